namespace Twinforge.Service.Tests;

/// <summary>Tests that train (in process, or in worker processes they start): one at a time, on a machine of two cores.</summary>
[CollectionDefinition("Training", DisableParallelization = true)]
public sealed class TrainingCollection;
