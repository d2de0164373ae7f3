using System.Text;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class ConsentWithdrawalTests(RegistryBackend backend) : RegistryTest(backend)
{
    /// <summary>
    /// Ana's data trains ana-chat v1; v2 and v3 are built on it with only Bo's data; ana-fresh f1 and bo-chat b1 use
    /// only Bo's data. b1's report has the same content as v1's report.
    /// </summary>
    sealed class World
    {
        public required ITwinRegistry Registry;
        public required LocalArtifactStore Store;
        public required Creator Ana, Bo;
        public required Dataset AnaData, BoData;
        public required Twin AnaChat, AnaFresh, BoChat;
        public required TwinVersion V1, V2, V3, F1, B1;
        public required string AnaStoredCopy, AdapterV1, AdapterV2, AdapterV3, AdapterF1, AdapterB1, SharedReport;

        public IEnumerable<string> AnaDerivedArtifacts => [AnaStoredCopy, AdapterV1, AdapterV2, AdapterV3];
        public IEnumerable<string> SurvivingArtifacts => [AdapterF1, AdapterB1, SharedReport];
    }

    World Build_world(ITwinRegistry registry)
    {
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        string Put(string content) => store.Put(new MemoryStream(Encoding.UTF8.GetBytes(content)));
        var ana = Build.ConsentingCreator(registry, "ana");
        var bo = Build.ConsentingCreator(registry, "bo");
        var anaStoredCopy = Put("ana's raw chats");
        var anaData = Build.Dataset(registry, ana, "ana's raw chats", storedHash: anaStoredCopy);
        var boData = Build.Dataset(registry, bo, "bo's raw chats");
        var baseModel = Build.BaseModel(registry);
        var anaChat = registry.CreateTwin(ana.Id, "ana-chat");
        var anaFresh = registry.CreateTwin(ana.Id, "ana-fresh");
        var boChat = registry.CreateTwin(bo.Id, "bo-chat");
        var (adapterV1, adapterV2, adapterV3, adapterF1, adapterB1, report) =
            (Put("adapter v1"), Put("adapter v2"), Put("adapter v3"), Put("adapter f1"), Put("adapter b1"), Put("same report"));
        var v1 = Build.SucceededVersion(registry, anaChat, baseModel, [Build.Train(anaData)], null,
            new ArtifactReference("adapter", adapterV1), new ArtifactReference("report", report));
        var v2 = Build.SucceededVersion(registry, anaChat, baseModel, [Build.Train(boData)], v1, new ArtifactReference("adapter", adapterV2));
        var v3 = Build.SucceededVersion(registry, anaChat, baseModel, [Build.Train(boData)], v2, new ArtifactReference("adapter", adapterV3));
        var f1 = Build.SucceededVersion(registry, anaFresh, baseModel, [Build.Train(boData)], null, new ArtifactReference("adapter", adapterF1));
        var b1 = Build.SucceededVersion(registry, boChat, baseModel, [Build.Train(boData)], null,
            new ArtifactReference("adapter", adapterB1), new ArtifactReference("report", report));
        registry.SetAlias(anaChat.Id, "production", v3.Id, "ana");
        registry.SetAlias(anaChat.Id, "staging", v1.Id, "ana");
        registry.SetAlias(anaFresh.Id, "production", f1.Id, "ana");
        registry.SetAlias(boChat.Id, "production", b1.Id, "bo");
        return new World
        {
            Registry = registry, Store = store, Ana = ana, Bo = bo, AnaData = anaData, BoData = boData,
            AnaChat = anaChat, AnaFresh = anaFresh, BoChat = boChat, V1 = v1, V2 = v2, V3 = v3, F1 = f1, B1 = b1,
            AnaStoredCopy = anaStoredCopy, AdapterV1 = adapterV1, AdapterV2 = adapterV2, AdapterV3 = adapterV3,
            AdapterF1 = adapterF1, AdapterB1 = adapterB1, SharedReport = report,
        };
    }

    [SkippableFact]
    public void Withdrawal_deletes_exactly_the_creators_data_and_everything_derived_from_it()
    {
        var w = Build_world(Open());

        var result = w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "creator asked on 2025-05-01", "privacy-officer", w.Store);

        using var reader = Open();
        // Derived: v1 used Ana's data; v2 and v3 only through their parents.
        foreach (var deleted in new[] { w.V1, w.V2, w.V3 }.Select(v => reader.GetVersion(v.Id)))
        {
            Assert.Equal(VersionStatus.Deleted, deleted.Status);
            Assert.NotNull(deleted.DeletedAt);
            Assert.Equal(("", null), (deleted.RecipeText, deleted.MetricsJson));
            Assert.Empty(deleted.Datasets);
            Assert.Empty(deleted.Artifacts);
        }
        // Survivors: a version of Ana's other twin built only on Bo's data, and Bo's own twin.
        Assert.All(new[] { w.F1, w.B1 }.Select(v => reader.GetVersion(v.Id)), v => Assert.Equal(VersionStatus.Succeeded, v.Status));
        Assert.Equal(w.B1.Artifacts, reader.GetVersion(w.B1.Id).Artifacts);
        Assert.Equal("dataset", Assert.Throws<UnknownEntityException>(() => reader.GetDataset(w.AnaData.Id)).Entity);
        Assert.Equal(w.BoData.Id, reader.GetDataset(w.BoData.Id).Id);
        Assert.Empty(reader.VersionsBuiltFromCreator(w.Ana.Id));

        Assert.Empty(reader.ListAliases(w.AnaChat.Id));
        Assert.Equal(w.F1.Id, reader.ResolveAlias(w.AnaFresh.Id, "production").Id);
        Assert.Equal(w.B1.Id, reader.ResolveAlias(w.BoChat.Id, "production").Id);
        Assert.Equal(AliasChangeKind.Removed, reader.GetAliasHistory(w.AnaChat.Id, "production")[^1].Kind);

        Assert.False(reader.HasValidConsent(w.Ana.Id, ConsentScopes.Text));
        Assert.NotNull(Assert.Single(reader.ListConsents(w.Ana.Id)).WithdrawnAt);
        Assert.True(reader.HasValidConsent(w.Bo.Id, ConsentScopes.Text));

        // Artifacts: everything derived is gone from the store, except content a survivor also records.
        Assert.All(w.AnaDerivedArtifacts, h => Assert.False(w.Store.Exists(h), $"{h} should be deleted"));
        Assert.All(w.SurvivingArtifacts, h => Assert.True(w.Store.Exists(h), $"{h} should survive"));
        Assert.Equal(w.AnaDerivedArtifacts.Order(), result.Artifacts.Deleted.Order());
        Assert.All(reader.ListDeletionJournal(), e => Assert.Equal(DeletionOutcome.Deleted, e.Outcome));
        Assert.Empty(reader.ListDeletionJournal(pendingOnly: true));

        var audit = Assert.Single(reader.ListAuditRecords());
        Assert.Equal((result.Audit.Id, result.Audit.PerformedAt), (audit.Id, audit.PerformedAt));
        Assert.Equal((AuditRecord.ConsentWithdrawn, w.Ana.Id, "text", "creator asked on 2025-05-01", "privacy-officer", 2),
            (audit.Action, audit.CreatorId, audit.Scope, audit.Reason, audit.PerformedBy, audit.RemovedAliasCount));
        Assert.Equal([w.AnaData.Id], audit.DeletedDatasetIds);
        Assert.Equal([w.AnaData.ContentHash], audit.DeletedDatasetHashes);
        Assert.Equal([w.V1.Id, w.V2.Id, w.V3.Id], audit.DeletedVersionIds);
        Assert.Equal(w.AnaDerivedArtifacts.Order(StringComparer.Ordinal), audit.ArtifactHashesToDelete);
    }

    [SkippableFact]
    public void A_deleted_version_is_never_served_promoted_changed_or_updated_from()
    {
        var w = Build_world(Open());
        w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.All, "withdrawn", "privacy-officer", w.Store);
        var baseModel = w.Registry.GetBaseModel(w.V3.BaseModelId);

        var update = Assert.Throws<VersionDeletedException>(() =>
            w.Registry.NextVersion(Build.Request(w.AnaChat, baseModel, [Build.Train(w.BoData)], w.V3)));
        Assert.Equal($"version 3 of twin 'ana-chat' (id {w.V3.Id}) was deleted; cannot update from it", update.Message);
        Assert.Throws<VersionDeletedException>(() => w.Registry.SetAlias(w.AnaChat.Id, "production", w.V1.Id, "ana"));
        Assert.Throws<VersionDeletedException>(() => w.Registry.SetVersionMetrics(w.V2.Id, "{}"));
        Assert.Throws<VersionDeletedException>(() => w.Registry.SetVersionArtifacts(w.V2.Id, []));
        Assert.Throws<UnknownEntityException>(() => w.Registry.ResolveAlias(w.AnaChat.Id, "production"));
        Assert.False(w.Registry.IsArtifactRecorded(w.AdapterV3));
        Assert.Throws<ArtifactNotRecordedException>(() => new RecordedArtifacts(w.Registry, w.Store).OpenRead(w.AdapterV1));
        // Version numbers are never reused: the next version of ana-chat is 4.
        Assert.Equal(4, w.Registry.NextVersion(Build.Request(w.AnaChat, baseModel, [Build.Train(w.BoData)])).Number);
    }

    [SkippableFact]
    public void New_data_is_refused_for_training_after_withdrawal()
    {
        var w = Build_world(Open());
        w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "withdrawn", "privacy-officer", w.Store);
        Assert.Throws<ConsentRequiredException>(() => Build.Dataset(w.Registry, w.Ana, "ana's new chats"));
        var fresh = Build.Dataset(w.Registry, w.Ana, "ana's new chats", requireConsent: false); // as if imported

        Assert.Throws<ConsentRequiredException>(() =>
            w.Registry.NextVersion(Build.Request(w.AnaFresh, w.Registry.GetBaseModel(w.F1.BaseModelId), [Build.Train(fresh)], w.F1)));
    }

    [SkippableFact]
    public void Withdrawing_one_scope_leaves_data_of_other_scopes()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        registry.GiveConsent(ana.Id, ConsentScopes.Voice);
        var words = Build.Dataset(registry, ana, "words", ConsentScopes.Text);
        var voice = Build.Dataset(registry, ana, "voice samples", ConsentScopes.Voice);
        var baseModel = Build.BaseModel(registry);
        var chat = Build.SucceededVersion(registry, registry.CreateTwin(ana.Id, "chat"), baseModel, [Build.Train(words)]);
        var speech = Build.SucceededVersion(registry, registry.CreateTwin(ana.Id, "speech"), baseModel, [Build.Train(voice)]);

        var result = registry.WithdrawConsent(ana.Id, ConsentScopes.Voice, "no more voice", "ana", new LocalArtifactStore(Scratch.Sub("artifacts")));

        Assert.Equal([voice.Id], result.Audit.DeletedDatasetIds);
        Assert.Equal([speech.Id], result.Audit.DeletedVersionIds);
        Assert.Equal(VersionStatus.Succeeded, registry.GetVersion(chat.Id).Status);
        Assert.True(registry.HasValidConsent(ana.Id, ConsentScopes.Text));
        Assert.False(registry.HasValidConsent(ana.Id, ConsentScopes.Voice));
    }

    [SkippableFact]
    public void Exported_copies_of_deleted_versions_are_listed_in_the_withdrawal_audit_for_the_operator_to_delete()
    {
        var clock = new FixedClock(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var w = Build_world(Open(new RegistryOptions { Clock = clock }));
        var served = w.Registry.RecordExport(w.V3.Id, "/srv/served/ana-chat", "ops");
        var laptop = w.Registry.RecordExport(w.V1.Id, "/home/ops/ana-chat-v1", "ana");
        var bos = w.Registry.RecordExport(w.B1.Id, "/srv/served/bo-chat", "ops");
        Assert.Equal((w.AnaChat.Id, w.V3.Id, 3, "/srv/served/ana-chat", clock.GetUtcNow(), "ops"),
            (served.TwinId, served.VersionId, served.VersionNumber, served.Path, served.ExportedAt, served.ExportedBy));
        Assert.Equal([served, laptop, bos], w.Registry.ListExports());
        Assert.Equal([bos], w.Registry.ListExports(w.BoChat.Id));

        var withdrawal = w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "asked by email", "privacy-officer", w.Store);

        Assert.Equal([served, laptop], withdrawal.Audit.ExportedCopies);
        Assert.Equal([served, laptop], Assert.Single(Open().ListAuditRecords()).ExportedCopies);
        // The live list keeps only copies of live versions; deleted versions cannot be exported again.
        Assert.Equal([bos], w.Registry.ListExports());
        Assert.Throws<VersionDeletedException>(() => w.Registry.RecordExport(w.V3.Id, "/srv/again", "ops"));
    }

    [SkippableFact]
    public void Only_a_succeeded_version_can_be_recorded_as_exported()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var twin = registry.CreateTwin(ana.Id, "ana-chat");
        var failed = registry.NextVersion(Build.Request(twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "chats"))]));
        registry.SetVersionStatus(failed.Id, VersionStatus.Failed);

        var error = Assert.Throws<InvalidVersionStateException>(() => registry.RecordExport(failed.Id, "/srv/served", "ops"));

        Assert.Contains("version 1 of twin 'ana-chat' failed", error.Message);
        Assert.Empty(registry.ListExports());
    }

    [SkippableFact]
    public void Withdrawing_when_no_valid_consent_is_left_for_the_scope_deletes_nothing_and_writes_no_audit_record()
    {
        var w = Build_world(Open());
        w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "asked by email", "privacy-officer", w.Store);
        var cy = Build.ConsentingCreator(w.Registry, "cy", ConsentScopes.All);

        var again = Assert.Throws<NothingToWithdrawException>(() =>
            w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "asked again", "privacy-officer", w.Store));
        var neverGiven = Assert.Throws<NothingToWithdrawException>(() =>
            w.Registry.WithdrawConsent(w.Bo.Id, ConsentScopes.Voice, "no voice", "privacy-officer", w.Store));
        // Cy's "all" still covers text: withdrawing "text" alone ends nothing.
        var coveredByAll = Assert.Throws<NothingToWithdrawException>(() =>
            w.Registry.WithdrawConsent(cy.Id, ConsentScopes.Text, "no text", "privacy-officer", w.Store));

        Assert.Equal("creator 'ana' holds no valid 'text' consent: nothing was withdrawn or deleted, and no audit record was written", again.Message);
        Assert.Contains("'voice'", neverGiven.Message);
        Assert.Contains("'all' consent still covers 'text'", coveredByAll.Message);
        Assert.Single(w.Registry.ListAuditRecords());
        Assert.True(w.Registry.HasValidConsent(cy.Id, ConsentScopes.Text));
        Assert.Equal(VersionStatus.Succeeded, w.Registry.GetVersion(w.B1.Id).Status);
    }

    [SkippableFact]
    public void A_deletion_interrupted_after_its_transaction_completes_when_the_registry_next_opens()
    {
        var w = Build_world(Open());
        var crashing = new CrashingArtifactStore(w.Store, crashOnDelete: 2);

        Assert.Throws<IOException>(() => w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "withdrawn", "privacy-officer", crashing));

        // The transaction committed: the records are gone and the journal holds what is left to delete.
        Assert.Equal(VersionStatus.Deleted, w.Registry.GetVersion(w.V1.Id).Status);
        Assert.Equal(4, w.Registry.ListDeletionJournal().Count);
        var pending = w.Registry.ListDeletionJournal(pendingOnly: true);
        Assert.Equal(3, pending.Count);
        Assert.All(pending, e => Assert.True(w.Store.Exists(e.ContentHash)));
        // Never served meanwhile, although still on disk.
        Assert.All(pending, e => Assert.False(w.Registry.IsArtifactRecorded(e.ContentHash)));

        using var restarted = Open(new RegistryOptions { ArtifactStore = w.Store });

        Assert.Empty(restarted.ListDeletionJournal(pendingOnly: true));
        Assert.All(w.AnaDerivedArtifacts, h => Assert.False(w.Store.Exists(h), $"{h} should be deleted"));
        Assert.All(w.SurvivingArtifacts, h => Assert.True(w.Store.Exists(h), $"{h} should survive"));
    }

    [SkippableFact]
    public void Content_recorded_again_by_a_survivor_before_completion_is_kept()
    {
        var w = Build_world(Open());
        Assert.Throws<IOException>(() =>
            w.Registry.WithdrawConsent(w.Ana.Id, ConsentScopes.Text, "withdrawn", "privacy-officer", new CrashingArtifactStore(w.Store, crashOnDelete: 1)));
        // Meanwhile a surviving version happens to record identical content under the same hash.
        w.Registry.SetVersionArtifacts(w.B1.Id, [.. w.B1.Artifacts, new ArtifactReference("extra", w.AdapterV2)]);

        var report = w.Registry.CompletePendingDeletions(w.Store);

        Assert.Equal([w.AdapterV2], report.KeptStillReferenced);
        Assert.True(w.Store.Exists(w.AdapterV2));
        Assert.False(w.Store.Exists(w.AdapterV1));
        Assert.Equal(DeletionOutcome.KeptStillReferenced, w.Registry.ListDeletionJournal().Single(e => e.ContentHash == w.AdapterV2).Outcome);
    }
}

public sealed class SqliteConsentWithdrawalTests() : ConsentWithdrawalTests(new SqliteBackend());

public sealed class PostgresConsentWithdrawalTests() : ConsentWithdrawalTests(new PostgresBackend());
