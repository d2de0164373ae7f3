namespace Twinforge.Registry.Records;

/// <summary>
/// The outcome of withdrawing consent: the audit record of what was deleted, and how the artifact deletions went
/// (all journal entries completed unless the store failed midway, in which case the next start completes them).
/// </summary>
public sealed record ConsentWithdrawal(AuditRecord Audit, PendingDeletionReport Artifacts);

/// <summary>What a pass over the deletion journal did.</summary>
public sealed record PendingDeletionReport(IReadOnlyList<string> Deleted, IReadOnlyList<string> KeptStillReferenced)
{
    public static readonly PendingDeletionReport Empty = new([], []);
}
