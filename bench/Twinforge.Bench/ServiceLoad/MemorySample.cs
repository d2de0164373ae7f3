using System.Diagnostics;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>
/// The process's memory at one moment of a load run: resident (what the kernel counts, native libtorch memory
/// included), the managed heap's size after the last garbage collection (what .NET still holds on to), and the
/// thread pool's threads (each new one brings a stack and, for native code, a malloc arena of its own).
/// </summary>
public sealed record MemorySample(double Seconds, long ResidentBytes, long ManagedHeapBytes, int ThreadPoolThreads)
{
    public static MemorySample Take(Stopwatch clock) =>
        new(clock.Elapsed.TotalSeconds, ProcessMemory.ResidentBytes(), GC.GetGCMemoryInfo().HeapSizeBytes, ThreadPool.ThreadCount);
}
