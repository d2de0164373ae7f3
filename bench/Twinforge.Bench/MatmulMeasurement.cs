namespace Twinforge.Bench;

/// <summary>The best time of one matrix product and the rate it implies (2·M·K·N / seconds).</summary>
public sealed record MatmulMeasurement(string Name, string DType, int M, int K, int N, double BestSeconds, double GflopsPerSecond);
