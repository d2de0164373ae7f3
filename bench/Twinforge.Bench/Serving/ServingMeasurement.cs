using System.Text.Json;

namespace Twinforge.Bench.Serving;

/// <summary>
/// The figures of one serving run (see <see cref="ServingBenchmark"/> for how each is taken). Memory per twin is
/// what the C heap holds more per loaded adapter (glibc's in-use bytes, exact whatever memory the heap keeps for
/// reuse) beside the adapter's own tensor bytes; resident growth per twin is the kernel's view, which reused heap
/// memory can hide.
/// </summary>
public sealed record ServingMeasurement
{
    public required DateTimeOffset Date { get; init; }
    public required string? GitCommit { get; init; }
    public required string Model { get; init; }
    public required string Precision { get; init; }
    public required int Rank { get; init; }
    public required bool Quick { get; init; }
    public required MachineInfo Machine { get; init; }
    public required double LoadAverageBefore { get; init; }
    public required double LoadAverageAfter { get; init; }

    public required long AdapterBytes { get; init; }
    public required double HeapBytesPerTwin { get; init; }
    public required double ResidentBytesPerTwin { get; init; }
    public required long BaseResidentBytes { get; init; }
    public required long TwinsIn8GB { get; init; }
    public required double ColdLoadMilliseconds { get; init; }

    public required int Streams { get; init; }
    public required int PromptTokens { get; init; }
    public required int NewTokens { get; init; }
    public required double DistinctTwinsTokensPerSecond { get; init; }
    public required double OneTwinTokensPerSecond { get; init; }
    public required double BareBaseTokensPerSecond { get; init; }
    public double DistinctOverOneTwin => DistinctTwinsTokensPerSecond / OneTwinTokensPerSecond;
    public double DistinctOverBareBase => DistinctTwinsTokensPerSecond / BareBaseTokensPerSecond;

    public required int Twins { get; init; }
    public required int Requests { get; init; }
    public required double ArrivalsPerSecond { get; init; }
    public required int CachedTwins { get; init; }
    public required int ColdLoads { get; init; }

    /// <summary>Requests of the Poisson run that completed (a failed one fails the run).</summary>
    public required int PoissonCompleted { get; init; }

    /// <summary>The C heap in use after the Poisson run (its adapter cache disposed) less before it: growth means a leak.</summary>
    public required long PoissonHeapGrowthBytes { get; init; }

    /// <summary>The same for the same run made again: what every run leaves behind, where the first also has one-time high-water marks.</summary>
    public required long SecondPoissonHeapGrowthBytes { get; init; }
    public required double TimeToFirstTokenP50Milliseconds { get; init; }
    public required double TimeToFirstTokenP99Milliseconds { get; init; }
    public required double PerTokenP50Milliseconds { get; init; }
    public required double PerTokenP99Milliseconds { get; init; }
    public required double PoissonTokensPerSecond { get; init; }

    public required double SingleStreamTokensPerSecond { get; init; }

    /// <summary>llama.cpp's single-stream decoding on the same weights through node-llama-cpp (null when not asked for).</summary>
    public double? LlamaCppSingleStreamTokensPerSecond { get; init; }

    /// <summary>The same through a native llama-bench built for this CPU (null when not asked for).</summary>
    public double? LlamaBenchSingleStreamTokensPerSecond { get; init; }
    public required long WeightBytesPerToken { get; init; }
    public double WeightBytesReadPerSecond => SingleStreamTokensPerSecond * WeightBytesPerToken;
    public required double MemoryReadBytesPerSecond { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, BenchReport.SerializerOptions);
}
