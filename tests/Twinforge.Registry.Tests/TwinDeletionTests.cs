using System.Text;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class TwinDeletionTests(RegistryBackend backend) : RegistryTest(backend)
{
    [SkippableFact]
    public void Deleting_a_twin_removes_it_with_its_versions_aliases_exports_and_artifacts_and_audits_it_like_a_withdrawal()
    {
        var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        string Put(string content) => store.Put(new MemoryStream(Encoding.UTF8.GetBytes(content)));
        var ana = Build.ConsentingCreator(registry, "ana");
        var storedCopy = Put("ana's chats");
        var data = Build.Dataset(registry, ana, "ana's chats", storedHash: storedCopy);
        var baseModel = Build.BaseModel(registry);
        var chat = registry.CreateTwin(ana.Id, "ana-chat");
        var other = registry.CreateTwin(ana.Id, "ana-other");
        var (adapter1, adapter2, report, otherAdapter) = (Put("adapter 1"), Put("adapter 2"), Put("same report"), Put("other adapter"));
        var v1 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(data)], null,
            new ArtifactReference("adapter", adapter1), new ArtifactReference("report", report));
        var v2 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(data)], v1, new ArtifactReference("adapter", adapter2));
        var v3 = registry.NextVersion(Build.Request(chat, baseModel, [Build.Train(data)], v2));
        registry.SetVersionStatus(v3.Id, VersionStatus.Failed);
        var kept = Build.SucceededVersion(registry, other, baseModel, [Build.Train(data)], null,
            new ArtifactReference("adapter", otherAdapter), new ArtifactReference("report", report));
        registry.SetAlias(chat.Id, "production", v2.Id, "ana");
        registry.SetAlias(chat.Id, "staging", v1.Id, "ana");
        registry.SetAlias(other.Id, "production", kept.Id, "ana");
        var served = registry.RecordExport(v2.Id, "/srv/served/ana-chat", "ops");
        var otherServed = registry.RecordExport(kept.Id, "/srv/served/ana-other", "ops");

        var deletion = registry.DeleteTwin(chat.Id, "retired by the creator", "ops", store);

        using var reader = Open();
        Assert.Equal("twin", Assert.Throws<UnknownEntityException>(() => reader.GetTwin(chat.Id)).Entity);
        Assert.All(new[] { v1, v2, v3 }, v => Assert.Throws<UnknownEntityException>(() => reader.GetVersion(v.Id)));
        Assert.Equal([other.Id], reader.ListTwins(ana.Id).Select(t => t.Id));
        Assert.Equal([otherServed], reader.ListExports());
        // What is not the twin's stays: the creator's data (governed by consent) and the other twin, still served.
        Assert.Equal(data.Id, reader.GetDataset(data.Id).Id);
        Assert.Equal(kept.Id, reader.ResolveAlias(other.Id, "production").Id);
        // Its artifacts are deleted, except content a survivor also records.
        Assert.All(new[] { adapter1, adapter2 }, h => Assert.False(store.Exists(h), $"{h} should be deleted"));
        Assert.All(new[] { report, otherAdapter, storedCopy }, h => Assert.True(store.Exists(h), $"{h} should survive"));
        Assert.Equal(new[] { adapter1, adapter2 }.Order(), deletion.Artifacts.Deleted.Order());

        var audit = Assert.Single(reader.ListAuditRecords());
        Assert.Equal((deletion.Audit.Id, deletion.Audit.PerformedAt), (audit.Id, audit.PerformedAt));
        Assert.Equal((AuditRecord.TwinDeleted, ana.Id, chat.Id, "ana-chat", "retired by the creator", "ops", 2),
            (audit.Action, audit.CreatorId, audit.TwinId, audit.TwinName, audit.Reason, audit.PerformedBy, audit.RemovedAliasCount));
        Assert.Equal([v1.Id, v2.Id, v3.Id], audit.DeletedVersionIds);
        Assert.Empty(audit.DeletedDatasetIds);
        Assert.Equal(new[] { adapter1, adapter2 }.Order(StringComparer.Ordinal), audit.ArtifactHashesToDelete);
        Assert.Equal([served], audit.ExportedCopies);
        Assert.All(reader.ListDeletionJournal(), e => Assert.Equal((audit.Id, DeletionOutcome.Deleted), (e.AuditRecordId, e.Outcome)));

        // The name is free again: a new twin of that name starts over at version 1.
        var again = reader.CreateTwin(ana.Id, "ana-chat");
        Assert.Equal(1, reader.NextVersion(Build.Request(again, baseModel, [Build.Train(data)])).Number);
    }

    [SkippableFact]
    public void Deleting_an_unknown_twin_is_refused_and_audits_nothing()
    {
        using var registry = Open();

        Assert.Throws<UnknownEntityException>(() => registry.DeleteTwin(42, "gone", "ops", new LocalArtifactStore(Scratch.Sub("artifacts"))));

        Assert.Empty(registry.ListAuditRecords());
    }
}

public sealed class SqliteTwinDeletionTests() : TwinDeletionTests(new SqliteBackend());

public sealed class PostgresTwinDeletionTests() : TwinDeletionTests(new PostgresBackend());
