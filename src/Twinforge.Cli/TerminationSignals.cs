using System.Runtime.InteropServices;

namespace Twinforge.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM ask the running command to stop. The first cancels <see cref="Token"/>: training
/// finishes its update and writes a checkpoint, other stages stop at their next check, however long that takes. A
/// second signal ends the process at once, as shells expect; saved data stays consistent, since every write is atomic.
/// (System.CommandLine's own handler gave up after a fixed grace period and crashed on a second signal.) Only the
/// program's entry point creates one: signal handlers are process-wide.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    readonly CancellationTokenSource stop = new();
    readonly TextWriter messages;
    readonly PosixSignalRegistration[] registrations;
    int received;

    public TerminationSignals(TextWriter messages)
    {
        this.messages = messages;
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => stop.Token;

    void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref received) > 1) return; // not cancelled: the signal's default action ends the process
        context.Cancel = true;
        messages.WriteLine("stopping at the next safe point (a training run saves a checkpoint first); press Ctrl-C again to stop at once");
        stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations) registration.Dispose();
        stop.Dispose();
    }
}
