using System.Text.Json;

namespace Twinforge.Bench.Sizes;

/// <summary>What the <c>sizes</c> benchmark runs for each shape: LoRA steps at one batch shape, then generation.</summary>
public sealed record SizesPlan
{
    public int BatchSize { get; init; } = 4;
    public int SequenceLength { get; init; } = 256;
    public int WarmupSteps { get; init; } = 1;
    public int TimedSteps { get; init; } = 2;
    public int LoraRank { get; init; } = 16;
    public int PromptTokens { get; init; } = 64;
    public int NewTokens { get; init; } = 16;
    /// <summary>The scaled-down copies of the shapes (<see cref="ModelShape.ScaledDown"/>): every code path in seconds.</summary>
    public bool Scaled { get; init; }

    public IReadOnlyList<ModelShape> Shapes(string name) =>
        ModelShapes.Named(name).Select(shape => Scaled ? shape.ScaledDown() : shape).ToList();

    public string ToJson() => JsonSerializer.Serialize(this, BenchReport.SerializerOptions);

    public static SizesPlan FromJson(string json) =>
        JsonSerializer.Deserialize<SizesPlan>(json, BenchReport.SerializerOptions) ?? throw new ArgumentException("--plan: empty JSON");
}
