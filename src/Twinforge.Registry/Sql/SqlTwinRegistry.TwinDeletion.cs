using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Deleting a twin with all its versions: the deletion protocol of a consent withdrawal (SqlTwinRegistry.ConsentWithdrawal.cs)
// — one transaction that deletes the records, audits them and journals the artifacts; the artifacts deleted after
// commit; the rows' content erased from the database's storage — applied to one twin instead of a creator's data.
internal sealed partial class SqlTwinRegistry
{
    /// <summary>The tables a twin deletion deletes rows from (and the journal, which the artifact deletions update).</summary>
    static readonly string[] TwinDeletionTables =
        ["twins", "twin_versions", "version_datasets", "version_artifacts", "aliases", "alias_history", "exports", "deletion_journal",
         "completion_provenance", .. JobTables];

    public TwinDeletion DeleteTwin(long twinId, string reason, string deletedBy, IArtifactStore artifacts)
    {
        Names.RequireText(reason, "reason for the deletion");
        Names.RequireName(deletedBy, "deleted by");
        ArgumentNullException.ThrowIfNull(artifacts);
        var audit = Write(s => DeleteTwin(s, twinId, reason, deletedBy));
        try
        {
            return new TwinDeletion(audit, CompletePendingDeletions(artifacts));
        }
        finally
        {
            dialect.EraseDeletedContent(TwinDeletionTables);
        }
    }

    AuditRecord DeleteTwin(SqlSession s, long twinId, string reason, string deletedBy)
    {
        // The twin's row, then its versions, locked in that order: a version reservation (which locks the twin first)
        // queues behind this and then finds no twin; a promotion or an export (which share-lock the version) waits,
        // then finds no version.
        var twin = RequireTwin(s, twinId, dialect.ForUpdateOf("t"));
        var versionIds = s.Query($"SELECT v.id FROM twin_versions v WHERE v.twin_id = @twin ORDER BY v.id{dialect.ForUpdateOf("v")}",
            r => r.Int64(0), ("twin", twinId));
        var candidateHashes = new SortedSet<string>(StringComparer.Ordinal);
        List<VersionExport> exports = [];
        if (versionIds.Count > 0)
        {
            var (versionList, versionParameters) = InList("version", versionIds);
            candidateHashes.UnionWith(s.Query($"SELECT DISTINCT content_hash FROM version_artifacts WHERE version_id IN ({versionList})",
                r => r.GetString(0), versionParameters));
            exports = TakeExports(s, versionList, versionParameters);
            DeleteJobsOfVersions(s, versionList, versionParameters);
            s.Execute($"DELETE FROM version_artifacts WHERE version_id IN ({versionList})", versionParameters);
            s.Execute($"DELETE FROM version_datasets WHERE version_id IN ({versionList})", versionParameters);
        }
        var now = Now();
        // Its completions' provenance records stay, marked, without content, and no longer point at the rows deleted below.
        MarkProvenanceErased(s, now, forgetIds: true, "twin_id = @twin", ("twin", twinId));
        var removedAliases = s.Execute("DELETE FROM aliases WHERE twin_id = @twin", ("twin", twinId));
        // The history of its aliases names only its own versions (an alias points at a version of its twin).
        s.Execute("DELETE FROM alias_history WHERE twin_id = @twin", ("twin", twinId));
        // One statement for all the versions: parents and children go together, so no reference is left dangling.
        s.Execute("DELETE FROM twin_versions WHERE twin_id = @twin", ("twin", twinId));
        s.Execute("DELETE FROM twins WHERE id = @twin", ("twin", twinId));

        return RecordDeletion(s, new AuditRecord(0, AuditRecord.TwinDeleted, twin.CreatorId, "", reason, deletedBy, now, [], [], versionIds,
            removedAliases, ArtifactsToDelete(s, candidateHashes))
        {
            TwinId = twin.Id,
            TwinName = twin.Name,
            ExportedCopies = exports,
        });
    }
}
