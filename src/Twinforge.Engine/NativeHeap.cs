using System.Runtime.InteropServices;

namespace Twinforge.Engine;

/// <summary>
/// How the C heap that libtorch allocates tensors from treats freed memory. glibc's malloc serves every block above
/// 32 MB (its largest mmap threshold) with a fresh mmap and unmaps it on free, so each training step's large
/// tensors — GPT-2's 50257-wide logits and their gradients, the embedding's gradient, bfloat16 weight copies — are
/// page-faulted and zeroed by the kernel anew, step after step. Measured on GPT-2 124M at batch 4 × 64 (bench/NOTES.md):
/// about 180,000 minor faults per full fine-tuning step and 60,000 per bfloat16 LoRA step, against 5,000–8,000 and
/// a dozen with the setting below.
/// </summary>
public static class NativeHeap
{
    // <malloc.h>: M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4.
    const int TrimThreshold = -1;
    const int MmapMax = -4;

    static readonly Lazy<bool> keepsFreedMemory = new(Apply);

    /// <summary>
    /// Tells glibc's malloc to serve large blocks from its heap (no mmap) and not to return the heap's free top to the
    /// system below 2 GB, so freed tensor memory is reused without page faults. The process's resident size then
    /// stays near its peak instead of shrinking between steps, and the peak can grow by a few percent (heap
    /// fragmentation). It takes effect for the process's main thread, whose heap is the one that grows: other threads
    /// have heaps of at most 64 MB that glibc maps and unmaps whatever the setting (so a service training on its own
    /// thread needs <c>GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647</c>
    /// in its environment instead). Process-wide and idempotent; true when applied, false where the C library is not glibc.
    /// Heap policy is the host's: the CLI and the benchmark harness call this at start-up; the engine never does.
    /// </summary>
    public static bool KeepFreedMemoryForReuse() => keepsFreedMemory.Value;

    static unsafe bool Apply()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return false;
        // gnu_get_libc_version exists only in glibc: musl's mallopt is a stub.
        if (!NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _) || !NativeLibrary.TryGetExport(libc, "mallopt", out var address))
            return false;
        var mallopt = (delegate* unmanaged<int, int, int>)address;
        bool noMmap = mallopt(MmapMax, 0) == 1;
        bool keepTop = mallopt(TrimThreshold, int.MaxValue) == 1;
        return noMmap && keepTop;
    }

    /// <summary>
    /// Bytes the C heap has handed out and not had back (glibc's mallinfo2: in-use arena bytes plus mmapped blocks),
    /// over every arena; unlike the resident size it does not count freed memory the heap keeps for reuse, so it
    /// shows what is alive (tensors included) however fragmented the heap is. Zero where the C library is not glibc.
    /// </summary>
    public static long BytesInUse() => Info() is { } info ? (long)(info.InUseArenaBytes + info.MmappedBytes) : 0;

    /// <summary>
    /// Bytes the C heap holds from the system (glibc's mallinfo2: every arena's size plus mmapped blocks), in use or
    /// kept for reuse. The resident size approaches it as the program touches the heap's pages, so it bounds what
    /// the heap can add to the resident size. Zero where the C library is not glibc.
    /// </summary>
    public static long BytesHeld() => Info() is { } info ? (long)(info.ArenaBytes + info.MmappedBytes) : 0;

    static unsafe MallocInfo? Info()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc) ||
            !NativeLibrary.TryGetExport(libc, "mallinfo2", out var address))
            return null;
        return ((delegate* unmanaged<MallocInfo>)address)();
    }

    /// <summary>glibc's struct mallinfo2: ten size_t fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    readonly struct MallocInfo
    {
        public readonly nuint ArenaBytes;        // arena
        readonly nuint ordblks, smblks, hblks;
        public readonly nuint MmappedBytes;     // hblkhd
        readonly nuint usmblks, fsmblks;
        public readonly nuint InUseArenaBytes;  // uordblks
        readonly nuint fordblks, keepcost;
    }
}
