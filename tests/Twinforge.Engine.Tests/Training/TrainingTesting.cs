using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Training;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Training;

/// <summary>Tiny byte-level models and chat data for trainer tests: every run takes well under a second.</summary>
internal static class TrainingTesting
{
    public const int Vocabulary = 260; // the byte-level tokenizer's 256 bytes and 4 specials

    public static TransformerConfig Llama() =>
        TransformerConfig.Llama(vocabularySize: Vocabulary, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 128);

    public static TransformerConfig Gpt2(double dropout = 0.0) =>
        TransformerConfig.Gpt2(vocabularySize: Vocabulary, hiddenSize: 32, layerCount: 2, headCount: 4, maxPositions: 128, dropout: dropout);

    /// <summary>A model initialised from scratch with a seed: two calls give identical weights.</summary>
    public static CausalLanguageModel Model(TransformerConfig? config = null, long seed = 11)
    {
        var model = new CausalLanguageModel(config ?? Llama());
        model.InitializeWeights(seed);
        return model;
    }

    /// <summary>Short exchanges in a recognisable voice: enough structure to learn in a few dozen updates.</summary>
    public static string[] Exchanges(int count, int offset = 0) =>
        Enumerable.Range(offset, count)
            .Select(i => DataTesting.Exchange($"q{i}?", $"hey friend {i % 3}, cheers!"))
            .ToArray();

    public static TrainingData Prepare(TemporaryDirectory directory, string[] lines, double validationFraction = 0.0,
        string[]? validationLines = null, int sequenceLength = 64, bool packing = true, long seed = 3)
    {
        var training = directory.Write("train.jsonl", lines);
        string? validation = validationLines is null ? null : directory.Write("validation.jsonl", validationLines);
        return TrainingData.Prepare([training], DataTesting.Tokenizer, new TrainingDataOptions
        {
            SequenceLength = sequenceLength, Packing = packing, ValidationFraction = validationFraction,
            ValidationFile = validation, Seed = seed,
        });
    }

    /// <summary>Options for fast deterministic tests: float32, small batches, no automatic evaluation or checkpoints.</summary>
    public static TrainingOptions Options => new()
    {
        Precision = TrainingPrecision.Float32, BatchSize = 2, LearningRate = 3e-3, WarmupSteps = 2, EvaluateEverySteps = 0,
        CheckpointEverySteps = 0, EarlyStoppingPatience = null, WeightDecay = 0.0,
    };

    /// <summary>All parameter bytes, by name, for bit-exact comparisons.</summary>
    public static Dictionary<string, byte[]> Snapshot(CausalLanguageModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().contiguous().bytes.ToArray());

    public static void AssertIdentical(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs");
    }
}
