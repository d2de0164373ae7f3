namespace Twinforge.Registry.Records;

/// <summary>
/// What a deletion removed and why, when and by whom — ids, counts and content hashes only, never the data itself,
/// so the record can be kept after the data is gone.
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
}
