using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Engine.Data;
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
    public void A_refitted_version_trains_from_the_base_on_all_the_data_and_rebuilds_to_the_same_adapter()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var summer = bench.Data(ana, "summer", 30);
        var continued = bench.Lifecycle.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy());

        var refitted = bench.Lifecycle.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy { Recipe = TwinWorkbench.Recipe with { UpdateMode = UpdateMode.Refit } });

        Assert.Equal(0, refitted.Metrics.ReplayedExamples);
        Assert.True(continued.Metrics.ReplayedExamples > 0);
        // Trained on spring's training part as well as summer's: more creator tokens than the continuing version's new data.
        Assert.True(refitted.Metrics.TrainedTokens > continued.Metrics.TrainedTokens,
            $"refit {refitted.Metrics.TrainedTokens} tokens, continue {continued.Metrics.TrainedTokens}");
        Assert.Equal(1, bench.Registry.GetVersion(refitted.Version.Id).ParentVersionId is long parent ? bench.Registry.GetVersion(parent).Number : 0);
        Assert.Equal(UpdateMode.Refit, TwinRecipe.FromText(refitted.Version.RecipeText).UpdateMode);
        var rebuilt = bench.Lifecycle.Rebuild(refitted.Version.Id);
        Assert.Equal(rebuilt.RecordedHash, rebuilt.RebuiltHash);
    }

    [Fact]
    public void A_version_continued_from_a_fully_fine_tuned_parent_trains_on_its_weights_and_is_stored_as_a_whole_model()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        // What training: auto with auto_full_finetuning may make of a LoRA recipe: a version that is a whole model.
        var full = TwinWorkbench.Recipe with { Options = TwinWorkbench.Recipe.Options with { Method = FineTuningMethod.Full, Lora = null, Training = TwinWorkbench.Recipe.Options.Training with { LearningRate = 1e-3 } } };
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, full);
        Assert.Equal([ArtifactReference.MergedModel], v1.Version.Artifacts.Where(a => a.Kind != ArtifactReference.Report).Select(a => a.Kind));

        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy { Recipe = TwinWorkbench.Recipe });

        // Its adapter was trained on v1's weights, so only the merged model is the version (an adapter alone would be
        // read against the base); its held-out loss is that model's, not the base's with the adapter.
        Assert.Equal(VersionStatus.Succeeded, v2.Version.Status);
        Assert.Equal([ArtifactReference.MergedModel], v2.Version.Artifacts.Where(a => a.Kind != ArtifactReference.Report).Select(a => a.Kind));
        Assert.NotEqual(VersionTrainer.ArtifactOf(v1.Version, ArtifactReference.MergedModel), VersionTrainer.ArtifactOf(v2.Version, ArtifactReference.MergedModel));
        Assert.Equal(v1.Metrics.FixedHeldOutLoss, v2.Metrics.ParentFixedHeldOutLoss);
        Assert.True(double.IsFinite(v2.Metrics.FixedHeldOutLoss));
        // Rebuilt from its record, the same path gives the same bytes.
        var rebuilt = bench.Lifecycle.Rebuild(v2.Version.Id);
        Assert.Equal(ArtifactReference.MergedModel, rebuilt.Kind);
        Assert.Equal(rebuilt.RecordedHash, rebuilt.RebuiltHash);
    }

    [Fact]
    public void Further_seeds_are_trained_measured_and_discarded_leaving_nothing_in_the_store()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);

        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy { Seeds = 3 });

        var seeds = v2.Metrics.SeedLosses!;
        Assert.Equal(3, seeds.Count);
        Assert.Equal(v2.Metrics.FixedHeldOutLoss, seeds[0]);
        Assert.True(seeds.Distinct().Count() > 1, "the seeds trained alike");
        Assert.True(v2.Metrics.SeedSpread > 0);
        Assert.Equal(seeds, VersionMetrics.FromJson(bench.Registry.GetVersion(v2.Version.Id).MetricsJson)!.SeedLosses);
        // Only the version's own artifacts were stored: every object in the store is one a record names.
        var recorded = bench.Registry.ListRecordedArtifactHashes();
        Assert.All(Directory.GetFiles(Path.Combine(bench.Store.Root, "objects"), "*", SearchOption.AllDirectories),
            file => Assert.Contains(Path.GetFileName(file), recorded));
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
    public void An_update_holds_its_new_file_to_the_share_of_overlong_examples_on_its_own_not_merged_with_the_twins_data()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        // A refit trains on all the twin's data in one file.
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 100), null,
            TwinWorkbench.Recipe with { UpdateMode = UpdateMode.Refit });
        // Eight over-long examples that the content-hash split keeps for training (the held-out part is judged on its
        // own already): a quarter of the new file's training part, far over the 10% allowed, but 7% of the refit's.
        var longOnes = ContentHashSplit.Split([.. TwinWorkbench.LongExchanges(40)], 0.2).Train.Take(8);
        var partLong = bench.DataFile(ana, "partlong", [.. longOnes,
            .. Enumerable.Range(0, 32).Select(i => $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"summer question {i}?\"}},{{\"role\":\"assistant\",\"content\":\"ana says {i}.\"}}]}}")]);

        var refused = Assert.Throws<InputFileException>(() =>
            bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Lifecycle.Data.Register(ana.Id, [partLong]), new UpdatePolicy()));

        Assert.Equal("ana-partlong.jsonl", Path.GetFileName(refused.FilePath)); // the file at fault, not every file merged with it
        Assert.Contains("are longer than the sequence length of 96 tokens and would be dropped, more than the 10% allowed", refused.Message);
    }

    [Fact]
    public void Rebuilding_a_version_from_its_record_gives_the_same_artifact_hash()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy());

        var stored = bench.Store.List().Select(artifact => artifact.ContentHash).ToList();

        var rebuilt = bench.Lifecycle.Rebuild(v2.Version.Id);

        Assert.True(rebuilt.Identical, $"recorded {rebuilt.RecordedHash}, rebuilt {rebuilt.RebuiltHash}");
        Assert.Equal(ArtifactReference.Adapter, rebuilt.Kind);
        // Nothing is stored: a report it left there was recorded by no version, so neither deleting the twin nor
        // withdrawing the creator's consent removed it.
        Assert.Equal(stored, bench.Store.List().Select(artifact => artifact.ContentHash));
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
    public void A_twin_deleted_while_a_version_trains_leaves_nothing_of_it_in_the_store()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        var summer = bench.Data(ana, "summer", 30);
        bool deleted = false;

        Assert.ThrowsAny<RegistryException>(() => bench.Lifecycle.Update(v1.Version.TwinId, 1, summer, new UpdatePolicy(), onEvent: e =>
        {
            if (deleted || e is not Engine.Training.StepCompleted) return;
            deleted = true;
            bench.Lifecycle.DeleteTwin(v1.Version.TwinId, "retired during training");
        }));

        Assert.True(deleted);
        Assert.Empty(bench.Registry.ListTwins(ana.Id));
        var recorded = bench.Registry.ListRecordedArtifactHashes();
        Assert.All(bench.Store.List(), artifact => Assert.Contains(artifact.ContentHash, recorded));
        Assert.Equal(AuditRecord.TwinDeleted, Assert.Single(bench.Registry.ListAuditRecords()).Action);
    }

    [Fact]
    public void Versions_a_crashed_run_left_unfinished_are_marked_failed_once_old_enough()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), null, TwinWorkbench.Recipe);
        // What a process killed mid-training leaves: version 2 reserved and training, never finished.
        var stuck = bench.Registry.NextVersion(new NewTwinVersion(v1.Version.TwinId, v1.Version.BaseModelId, v1.Version.Datasets, v1.Version.RecipeText,
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
    public void Data_without_a_usable_example_is_reported_by_the_users_file_and_why_not_by_a_scratch_path()
    {
        using var bench = new TwinWorkbench();
        var scratch = Directory.CreateDirectory(Path.Combine(bench.Root, "scratch")).FullName;
        var lifecycle = new TwinLifecycle(bench.Registry, bench.Store, "test", scratch);
        var ana = bench.Creator("ana");
        var tooLong = lifecycle.Data.Register(ana.Id, [bench.DataFile(ana, "long", TwinWorkbench.LongExchanges(30))]);

        var error = Assert.Throws<InputFileException>(() =>
            lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, tooLong, heldOut: null, TwinWorkbench.Recipe));

        Assert.StartsWith("ana-long.jsonl: has no usable examples: every example is longer than the sequence length of 96 tokens", error.Message);
        Assert.DoesNotContain(scratch, error.Message);
        Assert.DoesNotContain("train.jsonl", error.Message);
    }

    /// <summary>
    /// Examples dropped for their length are said as the run starts, naming the creator's file (not the scratch file
    /// the version trained on), and the version's report is titled with the twin and version, not a scratch path.
    /// </summary>
    [Fact]
    public void Dropped_examples_are_told_by_the_creators_file_and_the_report_names_the_version()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var path = bench.DataFile(ana, "mixed", Enumerable.Range(0, 39).Select(i =>
                $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"question {i}?\"}},{{\"role\":\"assistant\",\"content\":\"ana says {i % 5}.\"}}]}}")
            .Concat(TwinWorkbench.LongExchanges(1)));
        var data = bench.Lifecycle.Data.Register(ana.Id, [path]);
        var warnings = new List<string>();

        // The long example may fall in the held-out tenth, where it is a quarter of the file: allow that much.
        var recipe = TwinWorkbench.Recipe with
        {
            Options = TwinWorkbench.Recipe.Options with { Data = TwinWorkbench.Recipe.Options.Data with { MaxDroppedFraction = 0.5 } },
        };

        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, data, null, recipe,
            onEvent: e => { if (e is TrainingWarning warning) warnings.Add(warning.Message); });

        var notice = Assert.Single(warnings, warning => warning.Contains("longer than the sequence length"));
        Assert.Matches(@"^the (training|held-out) part of ana-mixed\.jsonl: 1 of \d+ examples is longer", notice);
        Assert.DoesNotContain("train.jsonl", string.Concat(warnings));
        using var report = new StreamReader(bench.Store.OpenRead(VersionTrainer.ArtifactOf(v1.Version, ArtifactReference.Report)));
        var html = report.ReadToEnd();
        Assert.Contains("<h1>Run report: ana-style version 1</h1>", html);
        Assert.Contains("part of ana-mixed.jsonl: 1 of", html);
        // Not evaluated (the workbench gives no evaluation sources), it still shows the loss `twin show` gives.
        Assert.Null(v1.Metrics.Evaluation);
        Assert.Contains("Held-out loss: the version against its parent", html);
        Assert.Contains($"<td>{v1.Metrics.FixedHeldOutLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}</td>", html);
        Assert.Contains("the first version, with no parent to compare with", html);
    }

    [Fact]
    public void A_malformed_line_is_reported_by_the_users_file_and_line()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var path = Path.Combine(bench.Root, "ana-spring.jsonl");
        bench.Data(ana, "spring", 30);
        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(6, "");
        lines[11] = "{oops";
        var broken = bench.Lifecycle.Data.Register(ana.Id, [bench.DataFile(ana, "broken", lines)]);

        var error = Assert.Throws<InputFileException>(() =>
            bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, broken, heldOut: null, TwinWorkbench.Recipe));

        // Line 12 of the user's file, counting the blank line the scratch copies leave out.
        Assert.Equal(("ana-broken.jsonl", 12L), (error.FilePath, error.Line));
        Assert.StartsWith("ana-broken.jsonl:12: ", error.Message);
    }

    [Fact]
    public void A_twin_whose_first_version_failed_is_created_again_or_retried_as_its_next_version()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var tooLong = bench.Lifecycle.Data.Register(ana.Id, [bench.DataFile(ana, "long", TwinWorkbench.LongExchanges(30))]);
        Assert.Throws<InputFileException>(() =>
            bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, tooLong, heldOut: null, TwinWorkbench.Recipe));
        var twin = bench.Registry.GetTwinByName(ana.Id, "ana-style");
        var v1 = bench.Registry.GetVersionByNumber(twin.Id, 1);
        Assert.Equal(VersionStatus.Failed, v1.Status);

        // Creating it again, with other data, reuses the twin that has no succeeded version: version 2.
        var v2 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        // Retrying version 1 trains its record again (same data, same roles) with a recipe that keeps over-long examples.
        var truncating = TwinWorkbench.Recipe with
        {
            Options = TwinWorkbench.Recipe.Options with { Data = TwinWorkbench.Recipe.Options.Data with { Overlong = OverlongPolicy.TruncateLeft } },
        };
        var v3 = bench.Lifecycle.Retry(twin.Id, version: 1, recipe: truncating);

        Assert.Equal((twin.Id, 2, VersionStatus.Succeeded), (v2.Version.TwinId, v2.Version.Number, v2.Version.Status));
        Assert.Equal((twin.Id, 3, VersionStatus.Succeeded), (v3.Version.TwinId, v3.Version.Number, v3.Version.Status));
        Assert.Equal(v1.Datasets, v3.Version.Datasets);
        Assert.Null(v3.Version.ParentVersionId);
        Assert.Equal(OverlongPolicy.TruncateLeft, TwinRecipe.FromText(v3.Version.RecipeText).Options.Data.Overlong);
        Assert.Equal([twin.Id], bench.Registry.ListTwins(ana.Id).Select(t => t.Id));
        // Once a version has succeeded the twin exists for good: a second create is refused, an update is the way on.
        var duplicate = Assert.Throws<DuplicateEntityException>(() =>
            bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "summer", 30), heldOut: null, TwinWorkbench.Recipe));
        Assert.Contains("update", duplicate.Message);
        var notFailed = Assert.Throws<InvalidVersionStateException>(() => bench.Lifecycle.Retry(twin.Id));
        Assert.Contains("version 3 of twin 'ana-style' succeeded", notFailed.Message);
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
