namespace Twinforge.Bench.ServiceLoad;

/// <summary>One operation's figures under load: requests answered right, errors, latency percentiles in milliseconds.</summary>
public sealed record OperationFigures(string Operation, int Requests, int Errors, double P50Milliseconds, double P99Milliseconds)
{
    public static OperationFigures Of(string operation, IEnumerable<double> latencies, int errors)
    {
        var sorted = latencies.Order().ToArray();
        return new(operation, sorted.Length, errors, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    /// <summary>The nearest-rank percentile of sorted values (the smallest value with at least that share at or below it); 0 for none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double share) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Count) - 1, 0, sorted.Count - 1)];
}
