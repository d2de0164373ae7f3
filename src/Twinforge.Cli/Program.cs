using Twinforge.Cli;
using Twinforge.Engine;

// Heap policy is the host's, not the engine's: training frees and allocates large tensors every step, and the
// CLI trains on its main thread, so keep that memory for reuse instead of page-faulting it anew (NativeHeap).
NativeHeap.KeepFreedMemoryForReuse();
using var signals = new TerminationSignals(Console.Error);
return CommandRunner.Invoke(TwinforgeCommands.CreateRoot(Console.In), args, cancellationToken: signals.Token);
