namespace Twinforge.Registry.Records;

/// <summary>
/// One entry of an alias's history: it was set to a version, rolled back to its previous target, or removed because
/// its version was deleted. Rollback reads this history as a stack of targets.
/// </summary>
public sealed record AliasChange(
    long Id,
    long TwinId,
    string AliasName,
    AliasChangeKind Kind,
    long? VersionId,
    long? PreviousVersionId,
    DateTimeOffset ChangedAt,
    string ChangedBy);

public enum AliasChangeKind
{
    Set,
    RolledBack,
    Removed,
}
