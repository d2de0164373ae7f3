using Twinforge.Registry.Artifacts;

namespace Twinforge.Registry;

/// <summary>How a registry is opened; the defaults suit the command line.</summary>
public sealed record RegistryOptions
{
    /// <summary>The clock for every recorded time (tests pass a fixed one).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// When set, artifact deletions left unfinished by an interrupted consent withdrawal are completed in this store
    /// as the registry opens.
    /// </summary>
    public IArtifactStore? ArtifactStore { get; init; }

    /// <summary>
    /// SQLite: how long a writer waits for another process's write to finish before reporting a conflict. Both
    /// back-ends: how long erasing deleted content from the database's storage waits for older readers to finish.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
