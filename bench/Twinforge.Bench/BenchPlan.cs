using Twinforge.Engine.Models;

namespace Twinforge.Bench;

/// <summary>
/// The sizes one harness run measures: GPT-2 124M at the shapes, or (quick) a tiny GPT-2 with the same
/// structure — both training shapes, both methods, both precisions, batched generation — so a test can run the whole
/// harness in seconds.
/// </summary>
public sealed record BenchPlan
{
    /// <summary>Name of the model in the report and in a child process's arguments.</summary>
    public required string ModelName { get; init; }

    public required TransformerConfig Model { get; init; }

    /// <summary>(batch, sequence length) of each training measurement.</summary>
    public required IReadOnlyList<(int Batch, int Sequence)> TrainingShapes { get; init; }

    /// <summary>Updates run before timing starts (kernel selection, allocator warm-up, first-touch page faults).</summary>
    public required int WarmupSteps { get; init; }

    /// <summary>Updates timed; the median is reported.</summary>
    public required int TimedSteps { get; init; }

    public required int LoraRank { get; init; }

    public required int PromptTokens { get; init; }

    public required int NewTokens { get; init; }

    public required int ConcurrentStreams { get; init; }

    /// <summary>Timed generation runs per figure; the median is reported.</summary>
    public required int GenerationRepeats { get; init; }

    /// <summary>Warm-up and timed invocations of each matrix product.</summary>
    public required int MatmulWarmups { get; init; }
    public required int MatmulRepeats { get; init; }

    public bool Quick => ModelName != Gpt2Small;

    public const string Gpt2Small = "gpt2-124m";
    public const string Gpt2Tiny = "gpt2-tiny";

    /// <summary>The measurement: GPT-2 124M (12 layers, 768 wide, 12 heads, 50257 tokens, 1024 positions).</summary>
    public static BenchPlan Full { get; } = new()
    {
        ModelName = Gpt2Small,
        Model = ModelFor(Gpt2Small),
        TrainingShapes = [(4, 64), (8, 256)],
        WarmupSteps = 3,
        TimedSteps = 8,
        LoraRank = 16,
        PromptTokens = 64,
        NewTokens = 128,
        ConcurrentStreams = 16,
        GenerationRepeats = 3,
        MatmulWarmups = 2,
        MatmulRepeats = 5,
    };

    /// <summary>A seconds-long run of every code path, for tests: its figures say nothing about speed.</summary>
    public static BenchPlan QuickCheck { get; } = new()
    {
        ModelName = Gpt2Tiny,
        Model = ModelFor(Gpt2Tiny),
        TrainingShapes = [(2, 16), (2, 32)],
        WarmupSteps = 1,
        TimedSteps = 2,
        LoraRank = 4,
        PromptTokens = 8,
        NewTokens = 8,
        ConcurrentStreams = 4,
        GenerationRepeats = 1,
        MatmulWarmups = 1,
        MatmulRepeats = 2,
    };

    public static BenchPlan For(bool quick) => quick ? QuickCheck : Full;

    /// <summary>The architecture a model name stands for (a child process receives the name, not the config).</summary>
    public static TransformerConfig ModelFor(string name) => name switch
    {
        Gpt2Small => TransformerConfig.Gpt2(),
        Gpt2Tiny => TransformerConfig.Gpt2(vocabularySize: 512, hiddenSize: 64, layerCount: 2, headCount: 4, maxPositions: 128),
        _ => throw new ArgumentException($"unknown benchmark model '{name}'; expected {Gpt2Small} or {Gpt2Tiny}", nameof(name)),
    };

    /// <summary>
    /// The matrix products one training step of <see cref="Model"/> runs, at each training shape's B·T rows: the
    /// fused qkv projection, the MLP's up and down projections and the output head (as the model calls them:
    /// x·W for GPT-2's Conv1D layout, x·Wᵀ for the tied head).
    /// </summary>
    public IReadOnlyList<MatmulShape> MatmulShapes()
    {
        int hidden = Model.HiddenSize, inner = Model.IntermediateSize;
        return TrainingShapes.SelectMany(shape =>
        {
            int rows = shape.Batch * shape.Sequence;
            return new[]
            {
                new MatmulShape("qkv", rows, hidden, 3 * hidden, WeightTransposed: false),
                new MatmulShape("mlp-up", rows, hidden, inner, WeightTransposed: false),
                new MatmulShape("mlp-down", rows, inner, hidden, WeightTransposed: false),
                new MatmulShape("lm-head", rows, hidden, Model.VocabularySize, WeightTransposed: true),
            };
        }).ToList();
    }
}
