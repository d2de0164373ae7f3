using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Tests;

[Collection("Torch")]
public sealed class TwinLifecycleTests
{
    [Fact]
    public void Three_versions_continue_from_their_parent_replay_older_data_and_share_one_held_out_set()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var first = bench.Data(ana, "spring", 30);

        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, first, heldOut: null, TwinWorkbench.Recipe);
        var second = bench.Data(ana, "summer", 30);
        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, second, new UpdatePolicy());
        var third = bench.Data(ana, "autumn", 30);
        var v3 = bench.Lifecycle.Update(v1.Version.TwinId, 2, third, new UpdatePolicy());

        Assert.Equal([1, 2, 3], new[] { v1, v2, v3 }.Select(v => v.Version.Number));
        Assert.Equal(v1.Version.Id, v2.Version.ParentVersionId);
        Assert.Equal(v2.Version.Id, v3.Version.ParentVersionId);
        Assert.All(new[] { v1, v2, v3 }, v => Assert.Equal(VersionStatus.Succeeded, v.Version.Status));
        // One held-out set, fixed at version 1, judges every version; each version's parent figure is its parent's own.
        var heldOut = v1.Version.Datasets.Single(use => use.Role == DatasetUse.HeldOut).DatasetId;
        Assert.All(new[] { v2, v3 }, v => Assert.Equal(heldOut, v.Version.Datasets.Single(use => use.Role == DatasetUse.HeldOut).DatasetId));
        Assert.Null(v1.Metrics.ParentFixedHeldOutLoss);
        Assert.Equal(v1.Metrics.FixedHeldOutLoss, v2.Metrics.ParentFixedHeldOutLoss);
        Assert.Equal(v2.Metrics.FixedHeldOutLoss, v3.Metrics.ParentFixedHeldOutLoss);
        Assert.NotNull(v2.Metrics.NewHeldOutLoss);
        // Version 3 trains on the new data and replays everything older.
        Assert.Equal([third.Id], v3.Version.Datasets.Where(use => use.Role == DatasetUse.Train).Select(use => use.DatasetId));
        Assert.Equal(new[] { first.Id, second.Id }.Order(), v3.Version.Datasets.Where(use => use.Role == DatasetUse.Replay).Select(use => use.DatasetId).Order());
        Assert.True(v3.Metrics.ReplayedExamples > 0);
        // Its lineage reaches every dataset; every recorded artifact is in the store, verified.
        var lineage = bench.Registry.GetLineage(v3.Version.Id);
        Assert.Subset(lineage.AllDatasets.Select(d => d.Id).ToHashSet(), new HashSet<long> { first.Id, second.Id, third.Id, heldOut });
        foreach (var artifact in v3.Version.Artifacts) using (bench.Store.OpenRead(artifact.ContentHash)) { }
        Assert.Contains(v3.Version.Id, bench.Registry.VersionsBuiltFromDataset(first.Id).Select(v => v.Id));
    }

    [Fact]
    public void Data_too_small_to_hold_out_from_is_bad_input_and_creates_no_twin()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var single = bench.Data(ana, "one", 1);

        var error = Assert.Throws<Engine.BadInputException>(() =>
            bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, single, heldOut: null, TwinWorkbench.Recipe));

        Assert.Contains("too small to hold out", error.Message);
        Assert.Empty(bench.Registry.ListTwins());
    }

    [Fact]
    public void Versions_are_promoted_explicitly_or_on_a_margin_and_rolled_back()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var twin = v1.Version.TwinId;
        bench.Lifecycle.Promote(twin, 1, "production");

        var strict = bench.Lifecycle.Update(twin, 1, bench.Data(ana, "summer", 30), new UpdatePolicy { PromoteTo = "production", PromotionMargin = 100 });
        Assert.Null(strict.PromotedTo);
        Assert.Contains("less than the margin", strict.PromotionNote);
        Assert.Equal(v1.Version.Id, bench.Registry.ResolveAlias(twin, "production").Id);

        var lenient = bench.Lifecycle.Update(twin, 2, bench.Data(ana, "autumn", 30), new UpdatePolicy { PromoteTo = "production", PromotionMargin = -100 });
        Assert.Equal(lenient.Version.Id, lenient.PromotedTo!.VersionId);
        Assert.Equal(lenient.Version.Id, bench.Registry.ResolveAlias(twin, "production").Id);

        bench.Lifecycle.Rollback(twin, "production");
        Assert.Equal(v1.Version.Id, bench.Registry.ResolveAlias(twin, "production").Id);

        var comparison = bench.Lifecycle.Compare(twin, 1, 3);
        Assert.Equal(lenient.Metrics.FixedHeldOutLoss - v1.Metrics.FixedHeldOutLoss, comparison.FixedHeldOutLossChange!.Value, 12);
    }

    [Fact]
    public void A_cancelled_update_is_recorded_as_failed_and_cannot_be_promoted_or_built_on()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy(), cancellationToken: cancelled.Token));

        Assert.Equal(VersionStatus.Failed, bench.Registry.GetVersionByNumber(v1.Version.TwinId, 2).Status);
        Assert.ThrowsAny<RegistryException>(() => bench.Lifecycle.Promote(v1.Version.TwinId, 2, "production"));
        Assert.ThrowsAny<RegistryException>(() => bench.Lifecycle.Update(v1.Version.TwinId, 2, bench.Data(ana, "autumn", 30), new UpdatePolicy()));
    }

    [Fact]
    public void Rebuilding_a_version_from_its_record_gives_the_same_artifact_hash()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy());

        var rebuilt = bench.Lifecycle.Rebuild(v2.Version.Id);

        Assert.True(rebuilt.Identical, $"recorded {rebuilt.RecordedHash}, rebuilt {rebuilt.RebuiltHash}");
        Assert.Equal(ArtifactReference.Adapter, rebuilt.Kind);
    }

    [Fact]
    public void A_second_writer_updating_from_a_stale_view_gets_a_conflict()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var summer = bench.Data(ana, "summer", 30);
        using var otherProcess = TwinRegistry.OpenSqlite(Path.Combine(bench.Root, "registry.db"));
        var other = new TwinLifecycle(otherProcess, bench.Store, actor: "other");
        // Both saw version 1 as the latest; the other writer finishes first.
        other.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy { ExpectedLatestVersion = 1 });

        var conflict = Assert.Throws<RegistryConflictException>(() =>
            bench.Lifecycle.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy { ExpectedLatestVersion = 1 }));

        Assert.Contains("ana-style", conflict.Message);
        Assert.Equal(2, bench.Registry.GetTwin(v1.Version.TwinId).LatestVersion);
    }

    [Fact]
    public void Withdrawn_consent_deletes_every_version_derived_from_the_creator_and_nothing_else()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var bob = bench.Creator("bob");
        var anaV1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var anaV2 = bench.Lifecycle.Update(anaV1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy());
        bench.Lifecycle.Promote(anaV1.Version.TwinId, 2, "production");
        var bobV1 = bench.Lifecycle.CreateTwin(bob.Id, "bob-style", bench.BaseModel, bench.Data(bob, "spring", 30), null, TwinWorkbench.Recipe);
        var anaArtifacts = anaV1.Version.Artifacts.Concat(anaV2.Version.Artifacts).Select(a => a.ContentHash).ToList();

        var withdrawal = bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "the creator asked");

        Assert.Equal(new[] { anaV1.Version.Id, anaV2.Version.Id }.Order(), withdrawal.Audit.DeletedVersionIds.Order());
        Assert.All(anaArtifacts, hash => Assert.False(bench.Store.Exists(hash), hash));
        Assert.All(bench.Registry.ListDatasets(ana.Id), dataset => Assert.Fail($"dataset {dataset.Id} survived"));
        Assert.ThrowsAny<RegistryException>(() => bench.Registry.ResolveAlias(anaV1.Version.TwinId, "production"));
        Assert.ThrowsAny<RegistryException>(() => bench.Lifecycle.Update(anaV1.Version.TwinId, 2, bench.Data(bob, "summer", 30), new UpdatePolicy()));
        Assert.ThrowsAny<RegistryException>(() => bench.Data(ana, "winter", 30));
        // Bob's twin is untouched and still served, verified.
        Assert.Equal(VersionStatus.Succeeded, bench.Registry.GetVersion(bobV1.Version.Id).Status);
        bench.Lifecycle.ExtractWeights(bench.Registry.GetVersion(bobV1.Version.Id), Path.Combine(bench.Root, "served"));
        Assert.True(File.Exists(Path.Combine(bench.Root, "served", "adapter_model.safetensors")));
        Assert.Equal("the creator asked", Assert.Single(bench.Registry.ListAuditRecords()).Reason);
    }

    [Fact]
    public void Consent_withdrawn_while_a_version_trains_leaves_nothing_derived_in_the_store()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var summer = bench.Data(ana, "summer", 30);
        bool withdrawn = false;

        // The creator withdraws (another process, say) while version 2 trains: its artifacts reach the store first.
        Assert.ThrowsAny<RegistryException>(() => bench.Lifecycle.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy(), onEvent: e =>
        {
            if (withdrawn || e is not Engine.Training.StepCompleted) return;
            withdrawn = true;
            bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "asked during training");
        }));

        Assert.True(withdrawn);
        Assert.Equal(VersionStatus.Deleted, bench.Registry.GetVersionByNumber(v1.Version.TwinId, 2).Status);
        var recorded = bench.Registry.ListRecordedArtifactHashes();
        Assert.All(bench.Store.List(), artifact => Assert.Contains(artifact.ContentHash, recorded));
    }

    [Fact]
    public void Versions_a_crashed_run_left_unfinished_are_marked_failed_once_old_enough()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        // What a process killed mid-training leaves: version 2 reserved and training, never finished.
        var stuck = bench.Registry.NextVersion(new NewTwinVersion(v1.Version.TwinId, v1.Version.BaseModelId, v1.Version.Datasets, v1.Version.RecipeJson,
            1, "test", "crashed") { ParentVersionId = v1.Version.Id, ExpectedLatestVersion = 1 });
        bench.Registry.SetVersionStatus(stuck.Id, VersionStatus.Training);

        Assert.Empty(bench.Lifecycle.FailAbandonedVersions(TimeSpan.FromHours(1)));
        var failed = bench.Lifecycle.FailAbandonedVersions(TimeSpan.FromHours(1), new ShiftedClock(TimeSpan.FromHours(2)));

        Assert.Equal([stuck.Id], failed.Select(v => v.Id));
        Assert.Equal(VersionStatus.Failed, bench.Registry.GetVersion(stuck.Id).Status);
        Assert.Equal(VersionStatus.Succeeded, bench.Registry.GetVersion(v1.Version.Id).Status);
    }

    /// <summary>The system clock moved forward.</summary>
    sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    [Fact]
    public void A_corrupted_adapter_is_detected_and_never_served()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var adapter = v1.Version.Artifacts.Single(a => a.Kind == ArtifactReference.Adapter).ContentHash;
        var stored = bench.Store.PathOf(adapter);
        var bytes = File.ReadAllBytes(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(stored, bytes);

        var error = Assert.Throws<ArtifactCorruptedException>(() => bench.Lifecycle.ExtractWeights(v1.Version, Path.Combine(bench.Root, "served")));

        Assert.Contains(adapter, error.Message);
        Assert.False(Directory.Exists(Path.Combine(bench.Root, "served")));
    }
}
