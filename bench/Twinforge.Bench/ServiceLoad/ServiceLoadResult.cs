using System.Globalization;
using System.Text;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>One operation's figures under load: requests completed, errors, latency percentiles in milliseconds.</summary>
public sealed record OperationFigures(string Operation, int Requests, int Errors, double P50Milliseconds, double P99Milliseconds)
{
    public static OperationFigures Of(string operation, double[] latencies, int errors)
    {
        Array.Sort(latencies);
        return new(operation, latencies.Length, errors, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    /// <summary>The nearest-rank percentile of sorted values; 0 for none.</summary>
    public static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>A load run's figures, as printed and as JSON.</summary>
public sealed record ServiceLoadResult(
    string CpuModel, int LogicalCores, string Commit, DateTimeOffset MeasuredAt,
    int Clients, double Seconds, IReadOnlyList<string> RaisedLimits,
    IReadOnlyList<OperationFigures> Operations, long ResidentBytesAfterWarmUp, long ResidentBytesAtEnd, IReadOnlyList<string> FirstErrors)
{
    public int Requests => Operations.Sum(operation => operation.Requests);
    public int Errors => Operations.Sum(operation => operation.Errors);
    public double RequestsPerSecond => Requests / Seconds;
    public long ResidentGrowthBytes => ResidentBytesAtEnd - ResidentBytesAfterWarmUp;

    public string Table()
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Line($"Twinforge service load: {CpuModel} ({LogicalCores} cores), {MeasuredAt:yyyy-MM-dd HH:mm} UTC, commit {Commit}");
        Line($"{Clients} clients for {Seconds:F0} s on loopback, a tiny twin; raised for the run: {string.Join(", ", RaisedLimits)}");
        Line($"{"operation",-20} {"requests",9} {"errors",7} {"p50 ms",8} {"p99 ms",8}");
        foreach (var operation in Operations)
            Line($"{operation.Operation,-20} {operation.Requests,9} {operation.Errors,7} {operation.P50Milliseconds,8:F1} {operation.P99Milliseconds,8:F1}");
        Line($"{"all",-20} {Requests,9} {Errors,7}   throughput {RequestsPerSecond:F1} requests/s");
        Line($"resident memory: {ResidentBytesAfterWarmUp / 1e6:F0} MB after the warm-up, {ResidentBytesAtEnd / 1e6:F0} MB at the end ({ResidentGrowthBytes / 1e6:+0;-0} MB)");
        foreach (var error in FirstErrors) Line($"error: {error}");
        return text.ToString();
    }
}
