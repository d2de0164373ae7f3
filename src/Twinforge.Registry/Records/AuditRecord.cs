namespace Twinforge.Registry.Records;

/// <summary>
/// What a deletion removed and why, when and by whom — ids, counts and content hashes only, never the data itself,
/// so the record can be kept after the data is gone. <see cref="ExportedCopies"/> are the copies of deleted versions
/// that were exported outside the artifact store, which the operator must delete. <see cref="Scope"/> is the consent
/// scope withdrawn ("" for a twin deletion, which names the twin instead).
/// </summary>
public sealed record AuditRecord(
    long Id,
    string Action,
    long CreatorId,
    string Scope,
    string Reason,
    string PerformedBy,
    DateTimeOffset PerformedAt,
    IReadOnlyList<long> DeletedDatasetIds,
    IReadOnlyList<string> DeletedDatasetHashes,
    IReadOnlyList<long> DeletedVersionIds,
    int RemovedAliasCount,
    IReadOnlyList<string> ArtifactHashesToDelete)
{
    public const string ConsentWithdrawn = "consent-withdrawn";
    public const string TwinDeleted = "twin-deleted";

    /// <summary>An uploaded file was deleted and with it the dataset it was the last file of.</summary>
    public const string FileDeleted = "file-deleted";

    /// <summary>The twin a twin deletion removed (its id and name, since the twin is gone); null for a withdrawal.</summary>
    public long? TwinId { get; init; }

    public string? TwinName { get; init; }

    /// <summary>Copies of the deleted versions written outside the store (by an export), for the operator to delete.</summary>
    public IReadOnlyList<VersionExport> ExportedCopies { get; init; } = [];
}
