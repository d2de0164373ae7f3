namespace Twinforge.Twins.Tests;

/// <summary>Training seeds torch's process-wide random generator: such tests run one at a time.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection
{
}
