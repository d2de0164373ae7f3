namespace Twinforge.Registry.Records;

/// <summary>
/// A movable name ("production", "staging", …) for one version of a twin. <see cref="RowVersion"/> changes with every
/// move, so a writer can make its move conditional on what it last saw.
/// </summary>
public sealed record Alias(long TwinId, string Name, long VersionId, long RowVersion, DateTimeOffset UpdatedAt, string UpdatedBy);
