using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// The shape and pre-training budget of a built-in base model: a byte-level Llama-style model small enough to
/// pre-train on 2 CPU cores in minutes on the fortunes (<see cref="Standard"/>), or in seconds for tests
/// (<see cref="Tiny"/>); or a larger one with a subword tokenizer learned from the English corpus
/// (<see cref="English"/>, <see cref="TrainedVocabularySize"/> set), pre-trained on that corpus.
/// </summary>
public sealed record BuiltInModelSize(string Name, int HiddenSize, int LayerCount, int HeadCount, int KeyValueHeadCount,
    int IntermediateSize, int SequenceLength, int BatchSize, int Steps, double LearningRate, int? TrainedVocabularySize = null)
{
    /// <summary>
    /// About 12.6 M parameters (3.1 M of them the tied 8,192 × 384 embedding), a byte-level BPE vocabulary of 8,192
    /// learned from the English pre-training mixture (<see cref="English.PretrainingMixture.English"/>: the 57 MB corpus
    /// weighted towards running prose), pre-trained on that mixture: 1,800 updates of 32 × 256 tokens (14.7 M tokens),
    /// about 90 minutes on the 2-core Zen 4 in bf16 (~2,900 tok/s).
    /// </summary>
    public static BuiltInModelSize English { get; } = new("english", HiddenSize: 384, LayerCount: 6, HeadCount: 6, KeyValueHeadCount: 2,
        IntermediateSize: 1024, SequenceLength: 256, BatchSize: 32, Steps: 1800, LearningRate: 1e-3, TrainedVocabularySize: 8192);

    /// <summary>True for the byte-level sizes (their tokenizer needs no training, their corpus is the fortunes).</summary>
    public bool ByteLevel => TrainedVocabularySize is null;

    /// <summary>
    /// About 1.6 M parameters, 800 updates of 16 × 256 bytes (3.3 M bytes, about 1.1 passes over the corpus): some five
    /// minutes on 2 cores in bf16. Heads of 64 dimensions run faster here than more, smaller heads.
    /// </summary>
    public static BuiltInModelSize Standard { get; } = new("standard", HiddenSize: 192, LayerCount: 4, HeadCount: 3, KeyValueHeadCount: 1,
        IntermediateSize: 512, SequenceLength: 256, BatchSize: 16, Steps: 800, LearningRate: 2e-3);

    /// <summary>For tests and quick checks: seconds, and a model that has barely learned bytes.</summary>
    public static BuiltInModelSize Tiny { get; } = new("tiny", HiddenSize: 64, LayerCount: 2, HeadCount: 4, KeyValueHeadCount: 2,
        IntermediateSize: 128, SequenceLength: 128, BatchSize: 8, Steps: 30, LearningRate: 3e-3);

    /// <summary>
    /// The size commands use when none is named: <see cref="English"/> when its pre-trained weights ship with the
    /// program (<see cref="ShippedBaseModel"/>, made for its current recipe), else <see cref="Standard"/>, which
    /// pre-trains in minutes: a default never costs an hour of pre-training.
    /// </summary>
    public static BuiltInModelSize Default(string? shippedRoot = null)
    {
        try
        {
            return ShippedBaseModel.Find(English, shippedRoot) is not null ? English : Standard;
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or InvalidOperationException)
        {
            return Standard; // an unreadable marker ships nothing; naming --size english says what is wrong with it
        }
    }

    /// <summary>Every size, largest first.</summary>
    public static IReadOnlyList<BuiltInModelSize> All => [English, Standard, Tiny];

    public static BuiltInModelSize Parse(string name) => name switch
    {
        "standard" => Standard,
        "tiny" => Tiny,
        "english" => English,
        _ => throw new BadInputException($"unknown built-in model size '{name}': use english, standard or tiny"),
    };

    /// <summary>Names the cache entry: any change to the shape or budget builds a new model instead of reusing an old one.</summary>
    public string CacheKey => $"{Name}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Shape)))[..8].ToLowerInvariant()}";

    string Shape => FormattableString.Invariant(
        $"{HiddenSize} {LayerCount} {HeadCount} {KeyValueHeadCount} {IntermediateSize} {SequenceLength} {BatchSize} {Steps} {LearningRate}") +
        (TrainedVocabularySize is int vocabulary
            ? FormattableString.Invariant($" bpe{vocabulary} {Twinforge.Cli.BuiltIn.English.EnglishCorpus.Version} {Twinforge.Cli.BuiltIn.English.PretrainingMixture.English.Key}")
            : "");

    public TransformerConfig Config => TransformerConfig.Llama(TrainedVocabularySize ?? new ByteLevelTokenizer().VocabularySize, HiddenSize, LayerCount, HeadCount,
        KeyValueHeadCount, IntermediateSize, maxPositions: 1024, tieWordEmbeddings: true);
}
