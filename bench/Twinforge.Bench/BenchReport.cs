using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Bench;

/// <summary>Everything one harness run measured, as written to JSON so runs can be compared over time.</summary>
public sealed record BenchReport
{
    /// <summary>Bumped when a field changes meaning (3: a speed check is timed in the training precision, <c>gflopsPerSecond</c> with its <c>precision</c>).</summary>
    public int SchemaVersion { get; init; } = 3;
    public required DateTimeOffset Date { get; init; }
    public required string? GitCommit { get; init; }
    public required string Model { get; init; }
    public required bool Quick { get; init; }
    /// <summary>"child-process" (each training case alone: its own peak memory) or "in-process".</summary>
    public required string Isolation { get; init; }
    public required MachineInfo Machine { get; init; }
    /// <summary>1-minute load average before and after: above ~0.5 on this 2-core machine the figures are disturbed.</summary>
    public required double LoadAverageBefore { get; init; }
    public required double LoadAverageAfter { get; init; }
    /// <summary>The machine's speed before each part and at the end (see <see cref="SpeedCheck"/>).</summary>
    public required IReadOnlyList<SpeedCheck> SpeedChecks { get; init; }
    /// <summary>Null when the run did not measure it (a single sub-command); likewise the lists are then empty.</summary>
    public required CeilingReport? Ceiling { get; init; }
    public required IReadOnlyList<FineTuningMeasurement> FineTuning { get; init; }
    public required IReadOnlyList<GenerationMeasurement> Generation { get; init; }
    public required IReadOnlyList<ReferenceFigure> References { get; init; }
    public required IReadOnlyList<TargetCheck> Targets { get; init; }

    public static JsonSerializerOptions SerializerOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, SerializerOptions);
}
