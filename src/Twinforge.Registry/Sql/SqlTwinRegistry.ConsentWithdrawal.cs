using System.Data.Common;
using System.Text.Json;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Consent withdrawal and the deletion it triggers. The protocol:
//   1. One transaction marks the consent withdrawn, computes the derived set (the creator's datasets that lose their
//      consent, every version using them directly or through parents), deletes the datasets, turns the versions into
//      tombstones (status deleted; recipe, metrics, dataset and artifact links erased), removes aliases pointing at
//      them and the records of their exports (listed in the audit record as copies outside the store for the operator
//      to delete) and the fine-tuning jobs that trained them (with their events and checkpoints), marks their
//      completions' provenance records erased (dropping any stored prompt and text), writes the audit
//      record and journals every artifact hash that no survivor still records.
//   2. Outside the transaction, each journalled artifact is deleted from the store and its entry marked done.
//   3. Anything step 2 did not finish (a crash, a failing store) is finished by CompletePendingDeletions, which the
//      registry runs when opened with an artifact store.
//   4. Erasure: what the deleted and overwritten rows held is removed from the database's storage as well (free pages,
//      dead row versions, the write-ahead log), so the files keep no readable copy (see EraseDeletedContent).
internal sealed partial class SqlTwinRegistry
{
    const string AuditColumns =
        "id, action, creator_id, scope, reason, performed_by, performed_at, deleted_dataset_ids, deleted_dataset_hashes, deleted_version_ids, " +
        "removed_alias_count, artifact_hashes, exported_copies, twin_id, twin_name";
    const string JournalColumns = "id, audit_record_id, content_hash, created_at, completed_at, outcome";

    /// <summary>Every artifact hash that something live records: live versions' artifacts, stored datasets, base models.</summary>
    const string RecordedHashes = """
        SELECT x.content_hash FROM version_artifacts x JOIN twin_versions v ON v.id = x.version_id WHERE v.status <> 'deleted'
        UNION SELECT d.stored_artifact_hash FROM datasets d WHERE d.stored_artifact_hash IS NOT NULL
        UNION SELECT b.content_hash FROM base_models b WHERE b.content_hash IS NOT NULL
        """;

    /// <summary>
    /// The tables whose rows a withdrawal deletes or overwrites (and the journal, whose entries the artifact deletions
    /// update): after it, their storage is rewritten from the live rows.
    /// </summary>
    static readonly string[] WithdrawalTables =
        ["files", "datasets", "twin_versions", "version_datasets", "version_artifacts", "aliases", "exports", "deletion_journal", "completion_provenance",
         .. JobTables];

    public ConsentWithdrawal WithdrawConsent(long creatorId, string scope, string reason, string withdrawnBy, IArtifactStore artifacts)
    {
        ConsentScopes.Validate(scope);
        Names.RequireText(reason, "reason for the withdrawal");
        Names.RequireName(withdrawnBy, "withdrawn by");
        ArgumentNullException.ThrowIfNull(artifacts);
        var audit = Write(s => DeleteDerivedData(s, creatorId, scope, reason, withdrawnBy));
        try
        {
            return new ConsentWithdrawal(audit, CompletePendingDeletions(artifacts));
        }
        finally
        {
            // Also when the store fails: the records are deleted either way, and their content must not stay readable.
            dialect.EraseDeletedContent(WithdrawalTables);
        }
    }

    AuditRecord DeleteDerivedData(SqlSession s, long creatorId, string scope, string reason, string withdrawnBy)
    {
        // The creator's row lock orders this against version reservations and consent grants that read it.
        var creator = RequireCreator(s, creatorId, dialect.ForUpdateOf("c"));
        var now = Now();
        var withdrawn = s.Execute("UPDATE consents SET withdrawn_at = @at WHERE creator_id = @creator AND withdrawn_at IS NULL AND (scope = @scope OR @scope = 'all')",
            ("at", s.Time(now)), ("creator", creatorId), ("scope", scope));

        // The creator's datasets of the withdrawn scope that no remaining valid consent covers.
        var datasets = s.Query(
            """
            SELECT d.id, d.content_hash, d.stored_artifact_hash FROM datasets d
            WHERE d.creator_id = @creator AND (d.consent_scope = @scope OR @scope = 'all')
              AND NOT EXISTS (SELECT 1 FROM consents k WHERE k.creator_id = d.creator_id AND k.withdrawn_at IS NULL
                                                         AND (k.scope = d.consent_scope OR k.scope = 'all'))
            ORDER BY d.id
            """,
            r => (Id: r.Int64(0), Hash: r.GetString(1), Stored: r.OptionalString(2)), ("creator", creatorId), ("scope", scope));
        var datasetIds = datasets.Select(d => d.Id).ToList();
        // Withdrawing again, or a scope never given: say so rather than audit a deletion of nothing.
        if (withdrawn == 0 && datasetIds.Count == 0)
            throw new NothingToWithdrawException(creator.Name, scope, scope != ConsentScopes.All && HasValidConsent(s, creatorId, scope));

        var versionIds = new List<long>();
        var candidateHashes = new SortedSet<string>(StringComparer.Ordinal);
        var removedAliases = 0;
        List<VersionExport> exports = [];
        if (datasetIds.Count > 0)
        {
            var (datasetList, datasetParameters) = InList("dataset", datasetIds);
            versionIds = s.Query($"{string.Format(DerivedCteFormat, datasetList)} SELECT v.id FROM twin_versions v WHERE v.id IN (SELECT id FROM derived) AND v.status <> 'deleted' ORDER BY v.id",
                r => r.Int64(0), datasetParameters);
            foreach (var stored in datasets.Select(d => d.Stored).OfType<string>()) candidateHashes.Add(stored);
            if (versionIds.Count > 0)
            {
                var (versionList, versionParameters) = InList("version", versionIds);
                candidateHashes.UnionWith(s.Query($"SELECT DISTINCT content_hash FROM version_artifacts WHERE version_id IN ({versionList})",
                    r => r.GetString(0), versionParameters));
                // Tombstones first, then aliases: on PostgreSQL the UPDATE waits for any concurrent promotion holding a
                // share lock on these versions, and the alias query that follows then sees that promotion's alias.
                s.Execute($"UPDATE twin_versions SET status = 'deleted', deleted_at = @at, recipe = '', metrics = NULL WHERE id IN ({versionList})",
                    [("at", s.Time(now)), .. versionParameters]);
                var aliases = s.Query($"SELECT twin_id, name, version_id FROM aliases WHERE version_id IN ({versionList})",
                    r => (Twin: r.Int64(0), Name: r.GetString(1), Version: r.Int64(2)), versionParameters);
                foreach (var alias in aliases)
                    RecordAliasChange(s, alias.Twin, alias.Name, AliasChangeKind.Removed, null, alias.Version, now, withdrawnBy);
                removedAliases = s.Execute($"DELETE FROM aliases WHERE version_id IN ({versionList})", versionParameters);
                exports = TakeExports(s, versionList, versionParameters);
                // The fine-tuning jobs that trained them, with their events and checkpoints: derived from the data too.
                DeleteJobsOfVersions(s, versionList, versionParameters);
                // Their completions' provenance stays (what was said by whom remains provable), marked, without content.
                MarkProvenanceErased(s, now, forgetIds: false, $"version_id IN ({versionList})", versionParameters);
                s.Execute($"DELETE FROM version_artifacts WHERE version_id IN ({versionList})", versionParameters);
                s.Execute($"DELETE FROM version_datasets WHERE version_id IN ({versionList})", versionParameters);
            }
            // Uploaded files are names of these datasets: they go with them.
            s.Execute($"DELETE FROM files WHERE dataset_id IN ({datasetList})", datasetParameters);
            s.Execute($"DELETE FROM datasets WHERE id IN ({datasetList})", datasetParameters);
        }

        return RecordDeletion(s, new AuditRecord(0, AuditRecord.ConsentWithdrawn, creatorId, scope, reason, withdrawnBy, now, datasetIds,
            [.. datasets.Select(d => d.Hash)], versionIds, removedAliases, ArtifactsToDelete(s, candidateHashes)) { ExportedCopies = exports });
    }

    /// <summary>The candidate artifact hashes that nothing live still records: content a survivor records under the same hash stays.</summary>
    static List<string> ArtifactsToDelete(SqlSession s, IEnumerable<string> candidateHashes)
    {
        var stillRecorded = s.Query(RecordedHashes, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
        return candidateHashes.Where(h => !stillRecorded.Contains(h)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Writes the audit record of a deletion (a withdrawal or a twin deletion) and journals each artifact it leaves to
    /// delete after commit; returns the record with its id.
    /// </summary>
    static AuditRecord RecordDeletion(SqlSession s, AuditRecord audit)
    {
        var auditId = s.InsertReturningId(
            """
            INSERT INTO audit_records (action, creator_id, scope, reason, performed_by, performed_at, deleted_dataset_ids, deleted_dataset_hashes,
                                       deleted_version_ids, removed_alias_count, artifact_hashes, twin_id, twin_name, exported_copies)
            VALUES (@action, @creator, @scope, @reason, @by, @at, @datasetIds, @datasetHashes, @versionIds, @aliases, @artifacts, @twin, @twinName, @exports)
            RETURNING id
            """,
            ("action", audit.Action), ("creator", audit.CreatorId), ("scope", audit.Scope), ("reason", audit.Reason), ("by", audit.PerformedBy),
            ("at", s.Time(audit.PerformedAt)), ("datasetIds", JsonSerializer.Serialize(audit.DeletedDatasetIds)),
            ("datasetHashes", JsonSerializer.Serialize(audit.DeletedDatasetHashes)), ("versionIds", JsonSerializer.Serialize(audit.DeletedVersionIds)),
            ("aliases", (long)audit.RemovedAliasCount), ("artifacts", JsonSerializer.Serialize(audit.ArtifactHashesToDelete)),
            ("twin", audit.TwinId), ("twinName", audit.TwinName), ("exports", ExportsToJson(audit.ExportedCopies)));
        foreach (var hash in audit.ArtifactHashesToDelete)
            s.Execute("INSERT INTO deletion_journal (audit_record_id, content_hash, created_at) VALUES (@audit, @hash, @at)",
                ("audit", auditId), ("hash", hash), ("at", s.Time(audit.PerformedAt)));
        return audit with { Id = auditId };
    }

    public PendingDeletionReport CompletePendingDeletions(IArtifactStore artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        var pending = ListDeletionJournal(pendingOnly: true);
        if (pending.Count == 0) return PendingDeletionReport.Empty;
        var deleted = new List<string>();
        var kept = new List<string>();
        foreach (var entry in pending)
        {
            // Checked again now: content recorded since the withdrawal under the same hash must survive.
            var outcome = IsArtifactRecorded(entry.ContentHash) ? DeletionOutcome.KeptStillReferenced : DeletionOutcome.Deleted;
            if (outcome == DeletionOutcome.Deleted) artifacts.Delete(entry.ContentHash);
            Write(s => s.Execute("UPDATE deletion_journal SET completed_at = @at, outcome = @outcome WHERE id = @id AND completed_at IS NULL",
                ("at", s.Time(Now())), ("outcome", OutcomeName(outcome)), ("id", entry.Id)));
            (outcome == DeletionOutcome.Deleted ? deleted : kept).Add(entry.ContentHash);
        }
        return new PendingDeletionReport(deleted, kept);
    }

    public IReadOnlyList<AuditRecord> ListAuditRecords() => Read(s => s.Query($"SELECT {AuditColumns} FROM audit_records ORDER BY id", r => new AuditRecord(
        r.Int64(0), r.GetString(1), r.Int64(2), r.GetString(3), r.GetString(4), r.GetString(5), s.ReadTime(r, 6),
        JsonSerializer.Deserialize<long[]>(r.GetString(7)) ?? [], JsonSerializer.Deserialize<string[]>(r.GetString(8)) ?? [],
        JsonSerializer.Deserialize<long[]>(r.GetString(9)) ?? [], (int)r.Int64(10), JsonSerializer.Deserialize<string[]>(r.GetString(11)) ?? [])
    {
        ExportedCopies = ExportsFromJson(r.GetString(12)),
        TwinId = r.OptionalInt64(13),
        TwinName = r.OptionalString(14),
    }));

    public IReadOnlyList<DeletionJournalEntry> ListDeletionJournal(bool pendingOnly = false) => Read(s => s.Query(
        $"SELECT {JournalColumns} FROM deletion_journal {(pendingOnly ? "WHERE completed_at IS NULL " : "")}ORDER BY id",
        r => new DeletionJournalEntry(r.Int64(0), r.Int64(1), r.GetString(2), s.ReadTime(r, 3), s.ReadOptionalTime(r, 4),
            r.OptionalString(5) is { } outcome ? ParseOutcome(outcome) : null)));

    public bool IsArtifactRecorded(string contentHash)
    {
        ContentHash.Require(contentHash);
        return Read(s => s.Scalar($"SELECT 1 FROM ({RecordedHashes}) recorded WHERE content_hash = @hash", ("hash", contentHash)) is not null);
    }

    public IReadOnlySet<string> ListRecordedArtifactHashes() =>
        Read(s => s.Query(RecordedHashes, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal));

    /// <summary>"@name0, @name1, …" and the matching parameters, for an IN list.</summary>
    static (string Sql, (string Name, object? Value)[] Parameters) InList(string name, IReadOnlyList<long> ids) =>
        (string.Join(", ", ids.Select((_, i) => $"@{name}{i}")), [.. ids.Select((id, i) => ($"{name}{i}", (object?)id))]);

    static (string Sql, (string Name, object? Value)[] Parameters) InList(string name, IReadOnlyList<string> values) =>
        (string.Join(", ", values.Select((_, i) => $"@{name}{i}")), [.. values.Select((value, i) => ($"{name}{i}", (object?)value))]);

    static string OutcomeName(DeletionOutcome outcome) => outcome switch
    {
        DeletionOutcome.Deleted => "deleted",
        DeletionOutcome.KeptStillReferenced => "kept-still-referenced",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    static DeletionOutcome ParseOutcome(string name) => name switch
    {
        "deleted" => DeletionOutcome.Deleted,
        "kept-still-referenced" => DeletionOutcome.KeptStillReferenced,
        _ => throw new FormatException($"'{name}' is not a deletion outcome"),
    };
}
