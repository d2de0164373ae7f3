namespace Twinforge.Bench;

/// <summary>
/// This process's resident memory from /proc/self/status: native (libtorch) memory is not the GC's, so the kernel's
/// count is the one that shows it. Zero where /proc is missing.
/// </summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set since the process started (VmHWM).</summary>
    public static long PeakResidentBytes() => StatusKilobytes("VmHWM") * 1024;

    /// <summary>The resident set now (VmRSS).</summary>
    public static long ResidentBytes() => StatusKilobytes("VmRSS") * 1024;

    static long StatusKilobytes(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return 0;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries); // "VmHWM:", "123456", "kB"
            return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
