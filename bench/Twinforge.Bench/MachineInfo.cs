using System.Runtime.InteropServices;
using Twinforge.Engine.Training;
using TorchSharp;

namespace Twinforge.Bench;

/// <summary>What the figures were measured on.</summary>
public sealed record MachineInfo(string CpuModel, int LogicalCores, long MemoryBytes, bool NativeBFloat16, double BFloat16Speedup,
    bool AutomaticPrecisionIsBFloat16, int TorchThreads,
    string TorchSharpVersion, string Runtime, string OperatingSystem)
{
    public static MachineInfo Current() => new(
        ReadCpuModel(),
        Environment.ProcessorCount,
        MemoryTotalBytes(),
        CpuFeatures.HasNativeBFloat16,
        CpuFeatures.BFloat16Speedup,
        CpuFeatures.BFloat16ProductsPayOff,
        torch.get_num_threads(),
        typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription);

    static string ReadCpuModel() => ProcFile("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    static long MemoryTotalBytes() =>
        ProcFile("/proc/meminfo", "MemTotal") is string total && long.TryParse(total.Split(' ')[0], out var kilobytes) ? kilobytes * 1024 : 0;

    /// <summary>The value after the colon of the first line starting with <paramref name="key"/>.</summary>
    static string? ProcFile(string path, string key)
    {
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }

    /// <summary>
    /// The report's machine line: CPU, cores, memory, bf16, torch threads, and the load average before and after the run
    /// (after includes the run's own), marked when other work was running, since the figures are then low.
    /// </summary>
    public string Line(double loadAverageBefore, double loadAverageAfter) =>
        $"machine: {CpuModel}, {LogicalCores} logical cores, {ReportTable.Bytes(MemoryBytes)}, native bf16 {(NativeBFloat16 ? "yes" : "no")} " +
        $"(bf16 products {BFloat16Speedup:F2}× fp32: automatic training precision {(AutomaticPrecisionIsBFloat16 ? "bf16-mixed" : "fp32")}), " +
        $"torch threads {TorchThreads}; load average {loadAverageBefore:F2} before, {loadAverageAfter:F2} after (the run's own)" +
        (IsContended(loadAverageBefore) ? "  [CONTENDED: other work was running]" : "");

    /// <summary>A warning to print before a run when other work already loads the machine; null when it is quiet.</summary>
    public static string? ContentionWarning(double loadAverage) => IsContended(loadAverage)
        ? $"warning: load average {loadAverage:F2} on {Environment.ProcessorCount} cores: other work is running and the figures will be low"
        : null;

    static bool IsContended(double loadAverage) => loadAverage > 0.5;

    /// <summary>The 1-minute load average (/proc/loadavg), or -1 where there is none.</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : -1;
}
