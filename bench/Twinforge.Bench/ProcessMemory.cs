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

    /// <summary>
    /// Minor page faults so far (/proc/self/stat, field 10): pages the kernel had to map and zero, mostly for fresh
    /// large allocations. Unlike time, the count per step barely moves when other work shares the machine.
    /// </summary>
    public static long MinorPageFaults()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat)) return 0;
        var text = File.ReadAllText(stat);
        // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt …": comm may hold spaces, so count after ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Bytes the C heap has handed out and not had back (<see cref="Twinforge.Engine.NativeHeap.BytesInUse"/>): unlike
    /// the resident size it does not count freed memory the heap keeps for reuse. Zero where the C library is not glibc.
    /// </summary>
    public static long HeapBytesInUse() => Twinforge.Engine.NativeHeap.BytesInUse();

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
