using Twinforge.Engine.Models;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// The published shapes the <c>sizes</c> benchmark trains: every number is the one in the model's config.json on the
/// Hugging Face Hub (bos/eos ids included); the weights are random.
/// </summary>
public static class ModelShapes
{
    /// <summary>Qwen/Qwen2.5-0.5B: 24 layers, 14 query and 2 key/value heads, q/k/v biases, tied, 151,936 tokens.</summary>
    public static ModelShape Qwen25HalfBillion { get; } = new("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B",
        TransformerConfig.Llama(vocabularySize: 151936, hiddenSize: 896, layerCount: 24, headCount: 14, keyValueHeadCount: 2,
            intermediateSize: 4864, maxPositions: 32768, tieWordEmbeddings: true, modelType: "qwen2") with
        {
            NormEpsilon = 1e-6, RopeTheta = 1000000.0, BosTokenId = 151643, EosTokenIds = [151643], TorchDtype = "bfloat16",
        },
        PublishedParameterCount: 494_032_768, SpecialTokens: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], FirstSpecialId: 151643);

    /// <summary>HuggingFaceTB/SmolLM2-360M: 32 layers, 15 query and 5 key/value heads, tied, 49,152 tokens.</summary>
    public static ModelShape SmolLm2 { get; } = new("smollm2-360m", "HuggingFaceTB/SmolLM2-360M",
        TransformerConfig.Llama(vocabularySize: 49152, hiddenSize: 960, layerCount: 32, headCount: 15, keyValueHeadCount: 5,
            intermediateSize: 2560, maxPositions: 8192, tieWordEmbeddings: true) with
        {
            NormEpsilon = 1e-5, RopeTheta = 100000.0, BosTokenId = 0, EosTokenIds = [0], TorchDtype = "bfloat16",
        },
        PublishedParameterCount: 361_821_120, SpecialTokens: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], FirstSpecialId: 0);

    /// <summary>meta-llama/Llama-3.2-1B: 16 layers, 32 query and 8 key/value heads of 64, llama3 rope scaling, tied, 128,256 tokens.</summary>
    public static ModelShape Llama32OneBillion { get; } = new("llama-3.2-1b", "meta-llama/Llama-3.2-1B",
        TransformerConfig.Llama(vocabularySize: 128256, hiddenSize: 2048, layerCount: 16, headCount: 32, keyValueHeadCount: 8,
            intermediateSize: 8192, maxPositions: 131072, tieWordEmbeddings: true) with
        {
            ExplicitHeadDimension = 64, NormEpsilon = 1e-5, RopeTheta = 500000.0,
            RopeScaling = new RopeScaling("llama3", Factor: 32.0, LowFrequencyFactor: 1.0, HighFrequencyFactor: 4.0, OriginalMaxPositions: 8192),
            BosTokenId = 128000, EosTokenIds = [128001], TorchDtype = "bfloat16",
        },
        PublishedParameterCount: 1_235_814_400, SpecialTokens: ["<|begin_of_text|>", "<|end_of_text|>"], FirstSpecialId: 128000);

    /// <summary>Smallest first.</summary>
    public static IReadOnlyList<ModelShape> All { get; } = [SmolLm2, Qwen25HalfBillion, Llama32OneBillion];

    /// <summary>The shapes a <c>--shape</c> value names: one by name, or <c>all</c>.</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static IReadOnlyList<ModelShape> Named(string name) =>
        name == "all" ? All
        : All.FirstOrDefault(shape => shape.Name == name) is { } shape ? [shape]
        : throw new ArgumentException($"--shape: unknown shape '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}, all");
}
