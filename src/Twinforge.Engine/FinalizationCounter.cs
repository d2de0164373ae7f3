using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Twinforge.Engine;

/// <summary>
/// Counts the objects the runtime finalizes in this process, by type, from its FinalizeObject events (GC keyword,
/// verbose level), and the native tensors those finalizers freed. A TorchSharp wrapper that reaches its finalizer was
/// not disposed: its native object lived until a garbage collection happened to run. For leak tests and the
/// harness's finalization probe; a host does not need it.
/// </summary>
/// <example><code>
/// using var finalizations = new FinalizationCounter();
/// trainer.Run();
/// finalizations.FinalizeUnreachable();
/// long leftBehind = finalizations.Count(typeof(Scalar)) + finalizations.NativeTensors;
/// </code></example>
public sealed class FinalizationCounter : EventListener
{
    const EventKeywords GcKeyword = (EventKeywords)0x1;
    readonly ConcurrentDictionary<nint, long> byTypeHandle = new();
    readonly Dictionary<nint, long> taken = [];
    static long nativeTensorsOnFinalizerThread;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName != "FinalizeObject" || e.Payload is null || e.PayloadNames is null) return;
        int index = e.PayloadNames.IndexOf("TypeID");
        if (index < 0) return;
        nint typeHandle = e.Payload[index] switch { IntPtr p => p, ulong u => (nint)u, var other => (nint)Convert.ToInt64(other) };
        byTypeHandle.AddOrUpdate(typeHandle, 1, (_, n) => n + 1);
    }

    /// <summary>How many objects of exactly <paramref name="type"/> were finalized since this counter was made.</summary>
    public long Count(Type type) => byTypeHandle.GetValueOrDefault(type.TypeHandle.Value);

    /// <summary>
    /// How many wrappers still holding a native tensor were finalized in this process, as of the last
    /// <see cref="FinalizeUnreachable"/>. The events cannot tell: TorchSharp leaves an empty <c>Tensor</c> wrapper to
    /// the finalizer for every <c>Parameter</c> made from one, with nothing native in it. Its dispose-scope statistics
    /// can: a wrapper disposed with a native tensor is counted on the thread that disposes it, and on the finalizer
    /// thread only finalizers dispose tensors.
    /// </summary>
    public long NativeTensors => Interlocked.Read(ref nativeTensorsOnFinalizerThread);

    /// <summary>The objects finalized since the last call, by type name (the sentinels of <see cref="FinalizeUnreachable"/> left out).</summary>
    public Dictionary<string, long> TakeCounts()
    {
        var result = new Dictionary<string, long>();
        foreach (var (typeHandle, count) in byTypeHandle)
        {
            long since = count - taken.GetValueOrDefault(typeHandle);
            taken[typeHandle] = count;
            if (since == 0 || typeHandle == typeof(Sentinel).TypeHandle.Value) continue;
            string name = NameOf(typeHandle);
            result[name] = result.GetValueOrDefault(name) + since;
        }
        return result;
    }

    /// <summary>Every finalized type with its count, for a failure message.</summary>
    public string Describe() =>
        string.Join(", ", byTypeHandle.OrderByDescending(entry => entry.Value).Select(entry => $"{NameOf(entry.Key)} {entry.Value}"));

    /// <summary>
    /// Runs the finalizers of everything unreachable now and waits until their events have arrived, so that what is
    /// counted afterwards is what a run left behind. (A measurement taken after the run, not a collection the run relies on.)
    /// </summary>
    public void FinalizeUnreachable()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // The finalizer thread writes its events in order and they reach listeners later, on another thread: once a
        // sentinel finalized after all of those is seen, they have all been counted.
        long sentinels = Count(typeof(Sentinel));
        AbandonSentinel();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Count(typeof(Sentinel)) == sentinels)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the runtime's finalization events did not arrive");
            Thread.Sleep(20);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void AbandonSentinel() => _ = new Sentinel();

    static string NameOf(nint typeHandle)
    {
        try { return Type.GetTypeFromHandle(RuntimeTypeHandle.FromIntPtr(typeHandle))?.ToString() ?? $"0x{typeHandle:x}"; }
        catch (ArgumentException) { return $"0x{typeHandle:x}"; }
    }

    sealed class Sentinel
    {
        // Runs on the finalizer thread after every finalizer queued before it: read that thread's statistics there.
        ~Sentinel()
        {
            var tensors = DisposeScopeManager.Statistics.TensorStatistics;
            Interlocked.Exchange(ref nativeTensorsOnFinalizerThread, tensors.DisposedOutsideScopeCount + tensors.DisposedInScopeCount);
        }
    }
}
