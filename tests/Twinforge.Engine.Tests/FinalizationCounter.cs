using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Twinforge.Engine.Tests;

/// <summary>
/// Counts the objects the runtime finalizes, by type, from its FinalizeObject events (GC keyword, verbose level), in
/// this process, and the native tensors their finalizers freed. A TorchSharp wrapper that reaches its finalizer was
/// not disposed: its native object lived until a garbage collection happened to run.
/// </summary>
public sealed class FinalizationCounter : EventListener
{
    const EventKeywords GcKeyword = (EventKeywords)0x1;
    readonly ConcurrentDictionary<nint, long> byTypeHandle = new();

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

    /// <summary>How many objects of exactly <paramref name="type"/> were finalized so far.</summary>
    public long Count(Type type) => byTypeHandle.GetValueOrDefault(type.TypeHandle.Value);

    /// <summary>
    /// How many wrappers still holding a native tensor were finalized so far, as of the last <see cref="FinalizeUnreachable"/>.
    /// The events cannot tell: TorchSharp leaves an empty <c>Tensor</c> wrapper to the finalizer for every <c>Parameter</c>
    /// made from one, with nothing native left in it. Its dispose-scope statistics can, since a wrapper disposed with a
    /// native tensor is counted on the thread that disposes it, and only finalizers dispose tensors on the finalizer thread.
    /// </summary>
    public long NativeTensors => Interlocked.Read(ref nativeTensorsOnFinalizerThread);

    static long nativeTensorsOnFinalizerThread;

    /// <summary>Every finalized type with its count, for a failure message.</summary>
    public string Describe() => string.Join(", ", byTypeHandle.OrderByDescending(entry => entry.Value).Select(entry =>
    {
        Type? type = null;
        try { type = Type.GetTypeFromHandle(RuntimeTypeHandle.FromIntPtr(entry.Key)); } catch (ArgumentException) { }
        return $"{type?.ToString() ?? $"0x{entry.Key:x}"} {entry.Value}";
    }));

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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void AbandonSentinel() => _ = new Sentinel();

    sealed class Sentinel
    {
        // Runs on the finalizer thread after every finalizer queued before it: read that thread's statistics there.
        ~Sentinel()
        {
            var tensors = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
            Interlocked.Exchange(ref nativeTensorsOnFinalizerThread, tensors.DisposedOutsideScopeCount + tensors.DisposedInScopeCount);
        }
    }
}
