using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Models;

/// <summary>Tiny configurations of each family and seeded random weights, for fast tests.</summary>
internal static class TinyModels
{
    public static TransformerConfig Gpt2() => TransformerConfig.Gpt2(vocabularySize: 61, hiddenSize: 32, layerCount: 2, headCount: 4, maxPositions: 24);

    public static TransformerConfig Llama(bool tied = false) =>
        TransformerConfig.Llama(vocabularySize: 59, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 48, maxPositions: 64, tieWordEmbeddings: tied) with { RopeTheta = 500.0 };

    public static TransformerConfig Qwen2() =>
        TransformerConfig.Llama(vocabularySize: 53, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 1,
            intermediateSize: 40, maxPositions: 64, tieWordEmbeddings: true, modelType: "qwen2");

    public static IEnumerable<object[]> AllConfigs() =>
    [
        ["gpt2"], ["llama"], ["llama-tied"], ["qwen2"],
    ];

    public static TransformerConfig ByName(string name) => name switch
    {
        "gpt2" => Gpt2(),
        "llama" => Llama(),
        "llama-tied" => Llama(tied: true),
        "qwen2" => Qwen2(),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A model whose every parameter (biases and norms included) is seeded random, so no term is trivial.</summary>
    public static CausalLanguageModel Create(TransformerConfig config, long seed = 7, ScalarType dtype = ScalarType.Float32)
    {
        var model = new CausalLanguageModel(config, dtype);
        model.InitializeWeights(seed);
        using var generator = new Generator((ulong)seed + 1);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (model.IsNormParameter(name) && name.EndsWith(".weight"))
                parameter.add_(randn(parameter.shape, generator: generator).mul_(0.1).to(dtype));
            else
                parameter.add_(randn(parameter.shape, generator: generator).mul_(0.05).to(dtype));
        }
        model.eval();
        return model;
    }

    /// <summary>The model's parameters as float64 arrays by name, for the reference implementation.</summary>
    public static Dictionary<string, double[]> WeightsAsDoubles(CausalLanguageModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p =>
        {
            using var asDouble = p.parameter.detach().to(float64).contiguous();
            return asDouble.data<double>().ToArray();
        });

    public static long[] RandomTokens(int count, int vocabularySize, int seed) =>
        Enumerable.Range(0, count).Select(i => (long)new Random(seed + i * 7919).Next(vocabularySize)).ToArray();
}
