using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>
/// A load run's figures, as printed and as JSON. <c>Seconds</c> is how long the clients started requests,
/// <c>ElapsedSeconds</c> until the last one in flight ended; <c>ServiceSettings</c> the service's limits in force and
/// <c>ChangedSettings</c> those changed from the defaults, as "key=value"; <c>MemorySamples</c> the process's memory
/// every second (service and clients share it).
/// </summary>
public sealed record ServiceLoadResult(
    MachineInfo Machine, double LoadAverageBefore, double LoadAverageAfter, string Commit, DateTimeOffset MeasuredAt,
    int Clients, double Seconds, double ElapsedSeconds, double WarmUpSeconds,
    IReadOnlyList<string> ServiceSettings, IReadOnlyList<string> ChangedSettings,
    IReadOnlyList<OperationFigures> Operations,
    MemorySample AfterWarmUp, MemorySample AtEnd, IReadOnlyList<MemorySample> MemorySamples,
    IReadOnlyList<string> FirstErrors)
{
    public int Requests => Operations.Sum(operation => operation.Requests);
    public int Errors => Operations.Sum(operation => operation.Errors);
    public double RequestsPerSecond => Requests / ElapsedSeconds;
    public long ResidentGrowthBytes => AtEnd.ResidentBytes - AfterWarmUp.ResidentBytes;
    public long PeakResidentBytes => MemorySamples.Append(AtEnd).Max(sample => sample.ResidentBytes);

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public string Table()
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        static string Megabytes(long bytes) => (bytes / 1e6).ToString("F0", CultureInfo.InvariantCulture) + " MB";
        Line($"Twinforge service load: {MeasuredAt:yyyy-MM-dd HH:mm} UTC, commit {Commit}");
        text.AppendLine(Machine.Line(LoadAverageBefore, LoadAverageAfter));
        Line($"{Clients} clients for {Seconds:F0} s on loopback (the last requests in flight ended at {ElapsedSeconds:F1} s), each cycling through the operations below");
        Line($"service settings: {string.Join(", ", ServiceSettings)}; changed from the defaults: {(ChangedSettings.Count == 0 ? "none" : string.Join(", ", ChangedSettings))}");
        Line($"{"operation",-20} {"requests",9} {"errors",7} {"p50 ms",9} {"p99 ms",9}");
        foreach (var operation in Operations)
            Line($"{operation.Operation,-20} {operation.Requests,9} {operation.Errors,7} {operation.P50Milliseconds,9:F1} {operation.P99Milliseconds,9:F1}");
        Line($"{"all",-20} {Requests,9} {Errors,7}   throughput {RequestsPerSecond:F1} requests/s");
        Line($"resident memory (service and clients, one process): {Megabytes(AfterWarmUp.ResidentBytes)} after the {WarmUpSeconds:F0} s warm-up, {Megabytes(AtEnd.ResidentBytes)} at the end ({ResidentGrowthBytes / 1e6:+0;-0;0} MB), peak {Megabytes(PeakResidentBytes)}; managed heap {Megabytes(AfterWarmUp.ManagedHeapBytes)} and {Megabytes(AtEnd.ManagedHeapBytes)}; thread-pool threads {AfterWarmUp.ThreadPoolThreads} and {AtEnd.ThreadPoolThreads}");
        foreach (var error in FirstErrors) Line($"error: {error}");
        return text.ToString();
    }
}
