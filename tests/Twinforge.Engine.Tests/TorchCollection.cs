namespace Twinforge.Engine.Tests;

/// <summary>
/// Tests that seed or read torch's global random generator, or count live tensors, run one at a time:
/// xunit runs test classes in parallel and torch's generator and thread settings are process-wide.
/// </summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection
{
}
