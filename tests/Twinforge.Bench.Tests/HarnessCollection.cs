namespace Twinforge.Bench.Tests;

/// <summary>Harness runs share torch's process-wide threads and the machine: one at a time.</summary>
[CollectionDefinition("Harness", DisableParallelization = true)]
public sealed class HarnessCollection
{
}
