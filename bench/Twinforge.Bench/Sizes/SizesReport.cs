namespace Twinforge.Bench.Sizes;

/// <summary>Everything one <c>sizes</c> run measured, as written to JSON.</summary>
public sealed record SizesReport
{
    public int SchemaVersion { get; init; } = 1;
    public required DateTimeOffset Date { get; init; }
    public required string? GitCommit { get; init; }
    public required MachineInfo Machine { get; init; }
    public required double LoadAverageBefore { get; init; }
    public required double LoadAverageAfter { get; init; }
    /// <summary>"child-process" (each shape alone: its own peak memory) or "in-process".</summary>
    public required string Isolation { get; init; }
    /// <summary>Best 256×768·768×3072 product rates; MFU is over the better of the two.</summary>
    public required double Float32GflopsPerSecond { get; init; }
    public required double BFloat16GflopsPerSecond { get; init; }
    public required SizesPlan Plan { get; init; }
    public required IReadOnlyList<SizesMeasurement> Shapes { get; init; }
}
