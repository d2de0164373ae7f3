namespace Twinforge.Registry.Records;

/// <summary>
/// One artifact that a committed deletion still has to remove from the artifact store. Entries are written in the
/// deletion's transaction and completed afterwards, so a crash in between is finished on the next start.
/// </summary>
public sealed record DeletionJournalEntry(
    long Id,
    long AuditRecordId,
    string ContentHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DeletionOutcome? Outcome);

public enum DeletionOutcome
{
    /// <summary>The artifact was removed from the store (or was already absent).</summary>
    Deleted,

    /// <summary>A surviving version or dataset refers to the same content, so it was kept.</summary>
    KeptStillReferenced,
}
