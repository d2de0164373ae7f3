namespace Twinforge.Registry.Records;

/// <summary>
/// The outcome of deleting a twin: the audit record of what was deleted (its versions, aliases and exported copies),
/// and how the artifact deletions went (as for a <see cref="ConsentWithdrawal"/>).
/// </summary>
public sealed record TwinDeletion(AuditRecord Audit, PendingDeletionReport Artifacts);
