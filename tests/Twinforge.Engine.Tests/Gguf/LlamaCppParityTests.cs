using Twinforge.Engine.Generation;
using Twinforge.Engine.Gguf;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Lora;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tests.Tokenization;
using Twinforge.Engine.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Gguf;

/// <summary>
/// Twinforge's GGUF exports loaded by real llama.cpp (node-llama-cpp 3.21.1): it must tokenize the prompt as Twinforge
/// does, continue it greedily with Twinforge's own tokens, and choose Twinforge's next token at every position of a
/// forced text (teacher forcing: many different contexts, where a small random model's free continuation soon repeats
/// one token). The models are small and random, with the final norm scaled up so that the logits are peaked and greedy
/// choices are not decided by rounding.
/// </summary>
[Collection("Torch")]
public sealed class LlamaCppParityTests(ITestOutputHelper output) : IDisposable
{
    const string Prompt = "The twin says: café ☕ 42!\n";
    const string Passage = "Dear friend, the server is down again: solar flares, or a cosmic ray in the RAM. Übermorgen!";
    readonly TemporaryDirectory directory = new();
    readonly ByteLevelTokenizer tokenizer = new();

    public void Dispose() => directory.Dispose();

    static TransformerConfig Config(string name) => name switch
    {
        "gpt2" => TransformerConfig.Gpt2(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, maxPositions: 128),
        // Llama 3.1's frequency-dependent rope scaling, with an original context short enough that the test's positions
        // reach every regime (kept, smoothed and divided frequencies): the export's rope_freqs tensor must match it.
        "llama3" => TransformerConfig.Llama(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 128, maxPositions: 128, modelType: "llama") with
        {
            RopeTheta = 10000.0,
            RopeScaling = new RopeScaling("llama3", Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalMaxPositions: 64),
        },
        "qwen2" => TransformerConfig.Llama(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 128, maxPositions: 128, tieWordEmbeddings: true, modelType: "qwen2"),
        _ => TransformerConfig.Llama(vocabularySize: 264, hiddenSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 128, maxPositions: 128, modelType: name) with { RopeTheta = 10000.0 },
    } with { EosTokenIds = [] };

    /// <summary>The GGUF architecture a test configuration is exported as.</summary>
    static string Architecture(string name) => name == "llama3" ? "llama" : name;

    static CausalLanguageModel PeakedModel(string name, long seed = 7)
    {
        var model = TinyModels.Create(Config(name), seed);
        using var noGrad = no_grad();
        foreach (var (parameterName, parameter) in model.named_parameters())
            if (parameterName is "model.norm.weight" or "transformer.ln_f.weight" or "transformer.ln_f.bias") parameter.mul_(8);
        model.MarkWeightsChanged();
        return model;
    }

    IReadOnlyList<int> TwinforgeGreedy(CausalLanguageModel model, int count)
    {
        using var generator = new TokenGenerator(model);
        return generator.Generate(tokenizer.Encode(Prompt), new GenerationOptions { MaxNewTokens = count }).ToList();
    }

    /// <summary>
    /// A margin between the best and second-best logit below which float32 rounding (llama.cpp sums in another order)
    /// may pick either: such near-ties are counted, not compared.
    /// </summary>
    const float NearTie = 0.02f;

    /// <summary>
    /// Twinforge's greedy choice after the prompt and each prefix of <paramref name="forced"/> (one forward pass), with
    /// the margin of the best logit over the second.
    /// </summary>
    IReadOnlyList<(int Token, float Margin)> TwinforgeChoices(CausalLanguageModel model, IReadOnlyList<int> forced)
    {
        var prompt = tokenizer.Encode(Prompt);
        var ids = prompt.Concat(forced.Take(forced.Count - 1)).Select(id => (long)id).ToArray();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.forward(tensor(ids).unsqueeze(0))[0].narrow(0, prompt.Count - 1, forced.Count);
        var (values, indices) = logits.topk(2, dim: -1);
        var best = indices.select(-1, 0).data<long>().ToArray();
        var margins = values.select(-1, 0).sub(values.select(-1, 1)).data<float>().ToArray();
        return best.Select((token, i) => ((int)token, margins[i])).ToList();
    }

    /// <summary>llama.cpp's choices equal Twinforge's wherever Twinforge's is not a near-tie; the near-ties are few.</summary>
    void AssertSameChoices(IReadOnlyList<(int Token, float Margin)> twinforge, int[] llama, string label)
    {
        Assert.Equal(twinforge.Count, llama.Length);
        int nearTies = 0;
        for (int i = 0; i < llama.Length; i++)
        {
            if (twinforge[i].Margin < NearTie) { nearTies++; continue; }
            Assert.True(twinforge[i].Token == llama[i],
                $"{label}: position {i}: llama.cpp chose {llama[i]}, Twinforge {twinforge[i].Token} by a margin of {twinforge[i].Margin}");
        }
        Assert.True(nearTies <= llama.Length / 10, $"{label}: {nearTies} near-ties of {llama.Length} positions: the test model is not peaked enough");
        output.WriteLine($"{label}: {llama.Length - nearTies} of {llama.Length} forced positions compared and equal " +
                         $"({twinforge.Select(choice => choice.Token).Distinct().Count()} different tokens; {nearTies} near-ties left out)");
    }

    /// <summary>llama.cpp stops at an end-of-generation token (which it yields): compare up to there.</summary>
    static void AssertSameContinuation(IReadOnlyList<int> twinforge, int[] llama)
    {
        Assert.NotEmpty(llama);
        if (llama.Length < twinforge.Count) Assert.True(llama[^1] >= ByteLevelTokenizer.ByteCount, "llama.cpp stopped early on an ordinary byte");
        Assert.Equal(twinforge.Take(llama.Length), llama);
    }

    [SkippableTheory]
    [Trait("Category", "Slow")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void Llama_cpp_continues_the_F32_export_with_Twinforges_greedy_tokens(string architecture)
    {
        LlamaCpp.RequireInstalled();
        using var model = PeakedModel(architecture);
        var expected = TwinforgeGreedy(model, 40);
        var path = directory.File($"{architecture}.gguf");
        GgufModelExport.Write(model, tokenizer, path, GgmlType.F32, Architecture(architecture));

        var forced = tokenizer.Encode(Passage);
        var choices = TwinforgeChoices(model, forced);

        var llama = LlamaCpp.Greedy(path, Prompt, 40, forced: forced);

        Assert.Equal(tokenizer.Encode(Prompt), llama.PromptTokens);
        AssertSameContinuation(expected, llama.Tokens);
        Assert.True(llama.Tokens.Length >= 10, $"only {llama.Tokens.Length} tokens compared");
        AssertSameChoices(choices, llama.ForcedChoices, architecture);
        Assert.True(choices.Select(choice => choice.Token).Distinct().Count() >= 5, "the forced positions chose fewer than 5 different tokens");
        output.WriteLine($"{architecture}: {llama.Tokens.Length} greedy tokens equal");
    }

    /// <summary>
    /// The shipped English base (a tokenizer Twinforge learned, Llama 3's pre-tokenizer, 8,192 tokens) exported as F32
    /// GGUF: llama.cpp reads the learned merges into the same ids and continues an English prompt with Twinforge's
    /// own greedy tokens.
    /// </summary>
    [SkippableFact]
    [Trait("Category", "Slow")]
    public void Llama_cpp_tokenizes_and_continues_the_shipped_English_base_as_Twinforge_does()
    {
        LlamaCpp.RequireInstalled();
        const string prompt = "The quick brown fox and the old man said that";
        using var model = PretrainedModel.Load(Path.Combine(Twinforge.Tests.Shared.Repository.Root, "models", "english"));
        var expected = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 24 }).TokenIds;
        var path = directory.File("english.gguf");
        GgufModelExport.Write(model.Network, model.Tokenizer, path, GgmlType.F32, "twinforge-english");

        var llama = LlamaCpp.Greedy(path, prompt, 24);

        Assert.Equal(model.Tokenizer.Encode(prompt), llama.PromptTokens);
        Assert.Equal(expected.Take(llama.Tokens.Length), llama.Tokens);
        Assert.True(llama.Tokens.Length >= 20, $"only {llama.Tokens.Length} tokens compared");
    }

    /// <summary>
    /// The narrower exports against Twinforge's float32 choices. llama.cpp multiplies F16 and BF16 weights with
    /// activations rounded to the same type, so like Q8_0 they are compared by how often the next token agrees.
    /// </summary>
    [SkippableTheory]
    [Trait("Category", "Slow")]
    [InlineData("gpt2", GgmlType.Q8_0)]
    [InlineData("llama", GgmlType.Q8_0)]
    [InlineData("gpt2", GgmlType.F16)]
    [InlineData("llama", GgmlType.F16)]
    [InlineData("llama", GgmlType.BF16)]
    [InlineData("qwen2", GgmlType.BF16)]
    public void Llama_cpp_on_a_narrower_export_agrees_with_Twinforges_F32_next_tokens(string architecture, GgmlType type)
    {
        LlamaCpp.RequireInstalled();
        using var model = PeakedModel(architecture);
        var forced = tokenizer.Encode(Passage);
        var expected = TwinforgeChoices(model, forced);
        var path = directory.File($"{architecture}-{type}.gguf");
        GgufModelExport.Write(model, tokenizer, path, type, architecture);

        // Teacher forcing: llama.cpp's choice at each position of the passage, so one disagreement does not derail the rest.
        var llama = LlamaCpp.Greedy(path, Prompt, 1, forced: forced);

        Assert.Equal(expected.Count, llama.ForcedChoices.Length);
        double agreement = expected.Zip(llama.ForcedChoices).Count(pair => pair.First.Token == pair.Second) / (double)expected.Count;
        output.WriteLine($"{architecture} {type}: next-token agreement with F32 {agreement:P1} over {expected.Count} positions");
        Assert.True(agreement >= 0.9, $"{type} agrees with F32 on only {agreement:P1} of next tokens");
    }

    /// <summary>
    /// A Hugging Face byte-level BPE tokenizer with merges, exported with the model: llama.cpp, given the text, must split
    /// it with the named pre-tokenizer and merge it into exactly Twinforge's ids (Qwen2 splits digits one by one, Llama 3
    /// in threes and takes a whole word found in the vocabulary before any merge).
    /// </summary>
    [SkippableTheory]
    [Trait("Category", "Slow")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void Llama_cpp_tokenizes_text_with_the_exported_merges_into_Twinforges_ids(string style)
    {
        LlamaCpp.RequireInstalled();
        var tokenizerDirectory = directory.Sub($"{style}-tokenizer");
        var huggingFace = HuggingFaceTokenizer.Load(style == "qwen2"
            ? TinyTokenizerFiles.WriteQwen2Style(tokenizerDirectory)
            : TinyTokenizerFiles.WriteLlama3Style(tokenizerDirectory));
        var architecture = style == "qwen2" ? "qwen2" : "llama";
        using var model = TinyModels.Create(Config(architecture) with { VocabularySize = huggingFace.VocabularySize }, seed: 3);
        var path = directory.File($"{style}-tokenizer.gguf");
        GgufModelExport.Write(model, huggingFace, path, GgmlType.F32, architecture);
        const string text = "(hello) I'M the hello world: 12345 and 123 45!\n hello";

        var llama = LlamaCpp.Greedy(path, text, 1);

        var expected = huggingFace.Encode(text);
        Assert.Contains(expected, id => id >= 256); // merges were applied, not only bytes
        Assert.Equal(expected, llama.PromptTokens);
        output.WriteLine($"{style}: {expected.Count} tokens for {text.Length} characters, equal");
    }

    [SkippableTheory]
    [Trait("Category", "Slow")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Llama_cpp_with_the_LoRA_adapter_GGUF_gives_the_merged_models_greedy_tokens(string architecture)
    {
        LlamaCpp.RequireInstalled();
        using var model = PeakedModel(architecture);
        var basePath = directory.File($"{architecture}-base.gguf");
        GgufModelExport.Write(model, tokenizer, basePath, GgmlType.F32, architecture);
        var baseTokens = TwinforgeGreedy(model, 40);
        var adapters = LoraInjector.Apply(model, LoraTestModels.DefaultConfig(model, rank: 4), seed: 5);
        LoraTestModels.PerturbB(adapters, seed: 13, scale: 0.3);
        var adapterPath = directory.File($"{architecture}-adapter.gguf");
        GgufAdapterExport.Write(model, adapterPath, GgmlType.F32, architecture);
        LoraMerger.Merge(model);
        var merged = TwinforgeGreedy(model, 40);
        Assert.NotEqual(baseTokens, merged); // the adapter changes what the model says

        // Greedy only: with a LoRA adapter, greedy.mjs's second (forced) pass on the same sequence did not finish here.
        var llama = LlamaCpp.Greedy(basePath, Prompt, 40, lora: adapterPath);

        AssertSameContinuation(merged, llama.Tokens);
        Assert.True(llama.Tokens.Length >= 10, $"only {llama.Tokens.Length} tokens compared");
    }
}
