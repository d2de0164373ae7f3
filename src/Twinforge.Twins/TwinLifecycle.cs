using System.Globalization;
using System.Reflection;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// The life of a digital twin over a registry and an artifact store: create version 1 from a creator's data, update
/// to version N+1 as new data arrives (continuing from N, replaying older data, judged on a held-out set that stays
/// fixed), promote and roll back aliases, compare versions, rebuild a version from its record, and withdraw consent.
/// Training runs in a scratch directory that is removed afterwards: outside the artifact store nothing derived from
/// a creator's data is kept. With a <c>scratchRoot</c>, each version trains in its own directory there
/// (<see cref="VersionWorkspace"/>), so a version planned for a job queue (<see cref="PlanTwin"/>,
/// <see cref="PlanUpdate"/>) and interrupted mid-training is resumed from its last checkpoint by
/// <see cref="TrainPlanned"/>, by this process or another sharing the root.
/// </summary>
/// <example><code>
/// var lifecycle = new TwinLifecycle(registry, store, actor: "ana@studio");
/// var v1 = lifecycle.CreateTwin(creator.Id, "ana-style", baseModel, dataset, heldOut: null, new TwinRecipe());
/// var v2 = lifecycle.Update(v1.Version.TwinId, 1, moreData, new UpdatePolicy { PromoteTo = "production" });
/// </code></example>
public sealed class TwinLifecycle(ITwinRegistry registry, IArtifactStore store, string actor, string? scratchRoot = null)
{
    /// <summary>
    /// Recorded with every version: the engine's informational version, which the SDK stamps with the git commit it
    /// was built from (e.g. 1.0.0+3f2c…), so a version names the code that trained it.
    /// </summary>
    public static string CodeVersion { get; } =
        typeof(FineTuning).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(FineTuning).Assembly.GetName().Version?.ToString() ?? "unknown";

    readonly VersionTrainer trainer = new(registry, store);

    /// <summary>
    /// What every version trained here is evaluated against (fidelity, memorisation, forgetting: <see cref="Fidelity.VersionEvaluator"/>),
    /// recorded with it and used by promotion; null (the default) records no evaluation. A function, so sources that
    /// take time to read are read only when a version is evaluated.
    /// </summary>
    public Func<Fidelity.EvaluationSources>? Evaluation { get; set; }

    /// <summary>The limits an evaluated version must stay within to be promoted automatically.</summary>
    public Fidelity.EvaluationLimits Limits { get; set; } = new();

    /// <summary>Where versions train when a scratch root is given; null: a temporary directory per attempt.</summary>
    readonly VersionWorkspace? workspace = scratchRoot is null ? null : new(Path.Combine(scratchRoot, "versions"));

    public CreatorData Data { get; } = new(registry, store);

    /// <summary>
    /// Creates the twin and trains version 1 on <paramref name="training"/>. The held-out set every version of the
    /// twin is judged on is <paramref name="heldOut"/>, or, when null, the share of the training data
    /// <see cref="TwinRecipe.NewDataHeldOutFraction"/> holds out, registered as its own dataset. A twin of that name
    /// that has no succeeded version (every attempt failed) is not a dead end: it is reused, and this trains its next
    /// version (numbers are never reused); one with a succeeded version is refused, as an update builds on it.
    /// </summary>
    /// <param name="seeds">Runs of the recipe with different seeds, to measure its seed noise (the version keeps the first).</param>
    public VersionOutcome CreateTwin(long creatorId, string name, BaseModel baseModel, Dataset training, Dataset? heldOut, TwinRecipe recipe,
        Action<TrainingEvent>? onEvent = null, CancellationToken cancellationToken = default, int seeds = 1)
    {
        var (version, plan) = NewTwinVersion(creatorId, name, baseModel, training, heldOut, recipe);
        return Train(version, plan, promoteTo: null, margin: 0, onEvent, cancellationToken, resumable: false, seeds)!;
    }

    /// <summary>
    /// As <see cref="CreateTwin"/>, but only registers the version (pending), for a job queue to train with
    /// <see cref="TrainPlanned"/>: the held-out set is chosen and consent checked now, so a bad request fails at once.
    /// </summary>
    public TwinVersion PlanTwin(long creatorId, string name, BaseModel baseModel, Dataset training, Dataset? heldOut, TwinRecipe recipe) =>
        NewTwinVersion(creatorId, name, baseModel, training, heldOut, recipe).Version;

    (TwinVersion Version, VersionPlan Plan) NewTwinVersion(long creatorId, string name, BaseModel baseModel, Dataset training, Dataset? heldOut,
        TwinRecipe recipe)
    {
        recipe.Validate();
        var existing = TwinWithoutSuccess(creatorId, name);
        heldOut ??= HoldOut(creatorId, training, recipe);
        var twin = existing ?? registry.CreateTwin(creatorId, name);
        var plan = new VersionPlan(baseModel, [training], [], heldOut, Parent: null, recipe);
        return (Register(twin, plan, expectedLatest: twin.LatestVersion), plan);
    }

    /// <summary>
    /// Trains version N+1 from version <paramref name="fromVersion"/> on <paramref name="newData"/>, replaying the
    /// data every earlier version trained on, and records whether it is better. Refused for a deleted, failed or
    /// unfinished parent and for data without valid consent.
    /// </summary>
    public VersionOutcome Update(long twinId, int fromVersion, Dataset newData, UpdatePolicy policy,
        Action<TrainingEvent>? onEvent = null, CancellationToken cancellationToken = default)
    {
        var (version, plan) = UpdateVersion(twinId, fromVersion, newData, policy);
        return Train(version, plan, policy.PromoteTo, policy.PromotionMargin, onEvent, cancellationToken, resumable: false, policy.Seeds)!;
    }

    /// <summary>
    /// As <see cref="Update"/>, but only registers the version (pending), for a job queue to train with
    /// <see cref="TrainPlanned"/> (which takes the promotion settings; those of <paramref name="policy"/> are not used).
    /// </summary>
    public TwinVersion PlanUpdate(long twinId, int fromVersion, Dataset newData, UpdatePolicy policy) =>
        UpdateVersion(twinId, fromVersion, newData, policy).Version;

    (TwinVersion Version, VersionPlan Plan) UpdateVersion(long twinId, int fromVersion, Dataset newData, UpdatePolicy policy)
    {
        var twin = registry.GetTwin(twinId);
        var parent = registry.GetVersionByNumber(twinId, fromVersion);
        if (parent.Status == VersionStatus.Deleted) throw new VersionDeletedException(twin.Name, parent.Number, parent.Id, "update from it");
        var recipe = policy.Recipe ?? TwinRecipe.FromText(parent.RecipeText);
        recipe.Validate();
        var fixedHeldOut = parent.Datasets.Single(use => use.Role == DatasetUse.HeldOut).DatasetId;
        var older = parent.Datasets.Where(use => use.Role is DatasetUse.Train or DatasetUse.Replay).Select(use => use.DatasetId)
            .Where(id => id != newData.Id).Distinct().Select(registry.GetDataset).ToList();
        var plan = new VersionPlan(registry.GetBaseModel(parent.BaseModelId), [newData], older, registry.GetDataset(fixedHeldOut), parent, recipe);
        return (Register(twin, plan, policy.ExpectedLatestVersion ?? twin.LatestVersion), plan);
    }

    /// <summary>
    /// Trains a version planned by <see cref="PlanTwin"/> or <see cref="PlanUpdate"/> (pending), or resumes one whose
    /// training was interrupted (still training: its process was stopped or killed) from the last checkpoint in its
    /// work directory; with the same code and recipe the result is bit-identical to an uninterrupted run. Cancelling
    /// interrupts: the version stays training with its checkpoint and null is returned, so calling this again resumes
    /// (<see cref="Abandon"/> gives it up). Needs a scratch root, shared by every process that may resume.
    /// </summary>
    public VersionOutcome? TrainPlanned(long versionId, string? promoteTo = null, double margin = 0, Action<TrainingEvent>? onEvent = null,
        CancellationToken cancellationToken = default)
    {
        if (workspace is null) throw new InvalidOperationException("resumable training needs a scratch root: give TwinLifecycle one");
        var version = registry.GetVersion(versionId);
        if (version.Status is not (VersionStatus.Pending or VersionStatus.Training))
            throw new InvalidVersionStateException($"version {version.Number} {version.Status.Stated()}: only a pending or interrupted version is trained");
        return Train(version, PlanOf(version, TwinRecipe.FromText(version.RecipeText)), promoteTo, margin, onEvent, cancellationToken, resumable: true);
    }

    /// <summary>Gives up a planned or interrupted version: marked failed, its work directory (data, checkpoints) deleted.</summary>
    public TwinVersion Abandon(long versionId)
    {
        var version = registry.SetVersionStatus(versionId, VersionStatus.Failed);
        workspace?.Delete(versionId);
        return version;
    }

    /// <summary>
    /// Stops a planned or interrupted version for good at its caller's request (a cancelled job): marked failed with
    /// <paramref name="reason"/> (what <c>twin show</c> and <c>creator show</c> print), but its work directory with the
    /// last checkpoint is kept, as a cancelled run's is; consent withdrawal or twin deletion erases it with the version.
    /// </summary>
    /// <exception cref="InvalidVersionStateException">The version already finished (a racing cancel, or it succeeded): its record is left as it is.</exception>
    public TwinVersion Cancel(long versionId, string reason)
    {
        var version = registry.GetVersion(versionId);
        // Checked first: the reason is written before the status, and must not replace a finished version's figures.
        if (version.Status is not (VersionStatus.Pending or VersionStatus.Training))
            throw new InvalidVersionStateException($"version {version.Number} {version.Status.Stated()}: only a pending or training version is cancelled");
        return RecordFailure(version, reason);
    }

    /// <summary>
    /// Checks a planned version's data as its training will read it (the base model's tokenizer, the recipe's data
    /// options), before it trains: a job queue fails a bad request at once, with every problem by the creator's file and line.
    /// </summary>
    public DataCheck CheckPlanned(long versionId)
    {
        var version = registry.GetVersion(versionId);
        var plan = PlanOf(version, TwinRecipe.FromText(version.RecipeText));
        return InScratch(scratch => trainer.Check(plan, scratch));
    }

    /// <summary>
    /// Deletes the work directories of versions that were erased (consent withdrawn, twin deleted) by another process,
    /// perhaps while they trained; returns their ids. <see cref="WithdrawConsent"/> and <see cref="DeleteTwin"/> do it themselves.
    /// </summary>
    public IReadOnlyList<long> DeleteErasedWork() => DeleteWorkOfErasedVersions();

    /// <summary>
    /// Trains a failed version again, as the twin's next version, from its record: the same base model, datasets in
    /// the same roles, parent and recipe — or <paramref name="recipe"/> instead, to fix what made it fail (a sequence
    /// length too short for the data, say). <paramref name="version"/> is the failed version; by default the latest,
    /// which must have failed.
    /// </summary>
    public VersionOutcome Retry(long twinId, int? version = null, TwinRecipe? recipe = null,
        Action<TrainingEvent>? onEvent = null, CancellationToken cancellationToken = default)
    {
        var twin = registry.GetTwin(twinId);
        if (twin.LatestVersion == 0)
            throw new InvalidVersionStateException($"twin '{twin.Name}' has no version to retry: create it again with its data");
        var failed = registry.GetVersionByNumber(twinId, version ?? twin.LatestVersion);
        if (failed.Status != VersionStatus.Failed)
            throw new InvalidVersionStateException($"version {failed.Number} of twin '{twin.Name}' {failed.Status.Stated()}: only a failed version is retried"
                + (failed.Status == VersionStatus.Succeeded ? "; train a new version with an update" : ""));
        recipe ??= TwinRecipe.FromText(failed.RecipeText);
        recipe.Validate();
        var plan = PlanOf(failed, recipe);
        return Train(Register(twin, plan, twin.LatestVersion), plan, promoteTo: null, margin: 0, onEvent, cancellationToken, resumable: false)!;
    }

    /// <summary>Points <paramref name="alias"/> at a succeeded version (a failed, unfinished or deleted one is refused).</summary>
    public Alias Promote(long twinId, int version, string alias) =>
        registry.SetAlias(twinId, alias, registry.GetVersionByNumber(twinId, version).Id, actor);

    /// <summary>Moves <paramref name="alias"/> back to the version it pointed at before.</summary>
    public Alias Rollback(long twinId, string alias) => registry.RollbackAlias(twinId, alias, actor);

    public VersionComparison Compare(long twinId, int a, int b)
    {
        var first = registry.GetVersionByNumber(twinId, a);
        var second = registry.GetVersionByNumber(twinId, b);
        // A deleted version's figures were erased with it: a table of blanks would compare nothing.
        if (new[] { first, second }.FirstOrDefault(version => version.Status == VersionStatus.Deleted) is { } deleted)
            throw new VersionDeletedException(registry.GetTwin(twinId).Name, deleted.Number, deleted.Id, "compare it: its figures were erased with it");
        return new VersionComparison(first, VersionMetrics.FromJson(first.MetricsJson), second, VersionMetrics.FromJson(second.MetricsJson));
    }

    /// <summary>
    /// Writes a succeeded version's adapter (or full model), verified, to <paramref name="destination"/> outside the
    /// store — what serving loads — and records the copy in the registry, so that deleting the version later lists it
    /// for the operator to delete. Returns the kind written.
    /// </summary>
    public string Export(TwinVersion version, string destination)
    {
        // Recorded before it is written: a copy that may exist is never unrecorded (should the write fail, the
        // record names a copy that is partial or absent, which deleting does no harm to).
        RecordCopy(version, destination);
        return ExtractWeights(version, destination);
    }

    /// <summary>
    /// Records that <paramref name="path"/>, outside the store, will hold something of a succeeded version's — its
    /// weights, or its answers and the creator's prompts in a report — so that deleting the version (a consent
    /// withdrawal) lists it for the operator to delete. Call it before writing the copy.
    /// </summary>
    public void RecordCopy(TwinVersion version, string path) => registry.RecordExport(version.Id, Path.GetFullPath(path), actor);

    /// <summary>Refuses a version that has not succeeded (a failed one has no weights; a deleted one has nothing left).</summary>
    /// <param name="use">What only a succeeded version can do, for the message: "can be evaluated".</param>
    public static void RequireSucceeded(TwinVersion version, string use)
    {
        if (version.Status != VersionStatus.Succeeded)
            throw new InvalidVersionStateException($"version {version.Number} {version.Status.Stated()}: only a succeeded version {use}");
    }

    /// <summary>
    /// Unpacks a version's adapter (or full model), verified, into <paramref name="destination"/>; returns its kind. Not
    /// recorded: for scratch copies that are deleted after use (use <see cref="Export"/> for a copy that is kept).
    /// </summary>
    public string ExtractWeights(TwinVersion version, string destination)
    {
        RequireSucceeded(version, "is served");
        var kind = version.Artifacts.Any(artifact => artifact.Kind == ArtifactReference.Adapter) ? ArtifactReference.Adapter : ArtifactReference.MergedModel;
        new RecordedArtifacts(registry, store).ExtractDirectory(VersionTrainer.ArtifactOf(version, kind), destination);
        return kind;
    }

    /// <summary>
    /// Evaluates a succeeded version (again) against <paramref name="sources"/> and records the figures with its metrics:
    /// for versions trained without an evaluation, or to measure them against other sources. Returns the figures and
    /// the answers the evaluation compared.
    /// </summary>
    /// <param name="progress">Told, in words, as each part of the evaluation begins.</param>
    public (Fidelity.VersionEvaluation Figures, Reporting.SampleSet Answers) Evaluate(long versionId, Fidelity.EvaluationSources sources, Action<string>? progress = null)
    {
        var version = registry.GetVersion(versionId);
        RequireSucceeded(version, "can be evaluated");
        var metrics = VersionMetrics.FromJson(version.MetricsJson)
            ?? throw new InvalidVersionStateException($"version {version.Number} has no recorded metrics to add an evaluation to");
        var plan = PlanOf(version, TwinRecipe.FromText(version.RecipeText));
        var evaluated = InScratch(scratch => trainer.Evaluate(plan, version, scratch, sources, progress))
            ?? throw new BadInputException($"version {version.Number}'s held-out data has no prompts and answers (plain text): there is nothing to answer and judge");
        registry.SetVersionMetrics(version.Id, (metrics with { Evaluation = evaluated.Figures }).ToJson());
        return evaluated;
    }

    /// <summary>
    /// Trains the version again from its record alone (recipe, seed, datasets, parent, base model) and compares the
    /// weights' artifact hash with the recorded one. Nothing is stored or recorded.
    /// </summary>
    public RebuildResult Rebuild(long versionId, Action<TrainingEvent>? onEvent = null, CancellationToken cancellationToken = default)
    {
        var version = registry.GetVersion(versionId);
        RequireSucceeded(version, "can be rebuilt");
        var plan = PlanOf(version, TwinRecipe.FromText(version.RecipeText));
        var kind = version.Artifacts.Any(artifact => artifact.Kind == ArtifactReference.Adapter) ? ArtifactReference.Adapter : ArtifactReference.MergedModel;
        return InScratch(scratch =>
        {
            var rebuilt = trainer.Train(plan, scratch, onEvent, cancellationToken, ReportTitle(version), artifacts: ArtifactHandling.HashOnly);
            if (rebuilt.Cancelled) throw new OperationCanceledException("the rebuild was cancelled");
            return new RebuildResult(kind, VersionTrainer.ArtifactOf(version, kind), rebuilt.Artifacts.Single(artifact => artifact.Kind == kind).ContentHash);
        });
    }

    /// <summary>
    /// Marks failed every version still pending or training that was created more than <paramref name="minimumAge"/>
    /// ago: what a process that crashed or was killed mid-training leaves behind, which would otherwise look busy
    /// forever. The age must exceed the longest training run, since a live run is not told apart from a dead one.
    /// </summary>
    /// <returns>The versions marked failed.</returns>
    public IReadOnlyList<TwinVersion> FailAbandonedVersions(TimeSpan minimumAge, TimeProvider? clock = null)
    {
        if (minimumAge < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minimumAge), minimumAge, "the age cannot be negative");
        var cutoff = (clock ?? TimeProvider.System).GetUtcNow() - minimumAge;
        var failed = new List<TwinVersion>();
        foreach (var version in registry.ListTwins().SelectMany(twin => registry.ListVersions(twin.Id)))
        {
            if (version.Status is not (VersionStatus.Pending or VersionStatus.Training) || version.CreatedAt > cutoff) continue;
            try
            {
                failed.Add(registry.SetVersionStatus(version.Id, VersionStatus.Failed));
            }
            catch (RegistryException)
            {
                // Finished, failed or deleted by another process since the listing: nothing to mark.
            }
        }
        return failed;
    }

    /// <summary>
    /// Deletes the twin with all its versions, aliases and artifacts, with an audit record that lists the copies
    /// exported outside the store for the operator to delete (see the registry). A version training meanwhile fails
    /// when it tries to record what it produced, and its just-stored artifacts are deleted.
    /// </summary>
    public TwinDeletion DeleteTwin(long twinId, string reason)
    {
        var deletion = registry.DeleteTwin(twinId, reason, actor, store);
        DeleteWorkOfErasedVersions();
        return deletion;
    }

    /// <summary>
    /// Withdraws consent and deletes everything derived from the creator's data under it (see the registry), work
    /// directories of interrupted versions included.
    /// </summary>
    public ConsentWithdrawal WithdrawConsent(long creatorId, string scope, string reason)
    {
        var withdrawal = registry.WithdrawConsent(creatorId, scope, reason, actor, store);
        DeleteWorkOfErasedVersions();
        return withdrawal;
    }

    /// <summary>An interrupted version's unpacked data and checkpoints go with the version.</summary>
    IReadOnlyList<long> DeleteWorkOfErasedVersions() => workspace?.DeleteWhere(versionId =>
    {
        try
        {
            return registry.GetVersion(versionId).Status == VersionStatus.Deleted;
        }
        catch (UnknownEntityException)
        {
            return true;
        }
    }) ?? [];

    /// <summary>What a recorded version trained on, to train it again (a rebuild, a retry), with <paramref name="recipe"/>.</summary>
    VersionPlan PlanOf(TwinVersion version, TwinRecipe recipe) => new(registry.GetBaseModel(version.BaseModelId),
        DatasetsWithRole(version, DatasetUse.Train), DatasetsWithRole(version, DatasetUse.Replay), DatasetsWithRole(version, DatasetUse.HeldOut).Single(),
        version.ParentVersionId is long parentId ? registry.GetVersion(parentId) : null, recipe);

    /// <summary>
    /// Throws as <see cref="CreateTwin"/> would for a name taken by a twin with a succeeded version: a command calls it
    /// before registering anything (its data, its base), so a refused create leaves no records behind.
    /// </summary>
    public void CheckNewTwinName(long creatorId, string name) => _ = TwinWithoutSuccess(creatorId, name);

    /// <summary>
    /// The creator's twin called <paramref name="name"/> when it has no succeeded version, to train its next version;
    /// null when there is no such twin. Refused when one of its versions succeeded: it is updated, not created again.
    /// </summary>
    Twin? TwinWithoutSuccess(long creatorId, string name)
    {
        if (registry.ListTwins(creatorId).FirstOrDefault(twin => twin.Name == name) is not { } existing) return null;
        if (registry.ListVersions(existing.Id).LastOrDefault(v => v.Status == VersionStatus.Succeeded) is { } succeeded)
            throw new DuplicateEntityException("twin", $"named '{name}' for creator '{registry.GetCreator(creatorId).Name}'", advice:
                $"its version {succeeded.Number} succeeded, so train the next version with an update");
        return existing;
    }

    IReadOnlyList<Dataset> DatasetsWithRole(TwinVersion version, string role) =>
        version.Datasets.Where(use => use.Role == role).Select(use => registry.GetDataset(use.DatasetId)).ToList();

    /// <summary>The held-out share of the training data, as a dataset of its own (same creator, same consent scope).</summary>
    Dataset HoldOut(long creatorId, Dataset training, TwinRecipe recipe) => InScratch(scratch =>
    {
        var (_, heldOut) = ContentHashSplit.Split(Data.Examples(training, scratch), recipe.NewDataHeldOutFraction);
        if (heldOut.Count == 0)
            throw new BadInputException($"{string.Join(", ", training.SourceFiles.Select(Path.GetFileName))} (dataset {training.Id}) is too small to hold out " +
                                        $"part of it for validation: give held-out data of its own (--heldout, or a validation file)");
        // Named after the data it is held out of, which is how the dataset's record (and any problem with it) names it.
        var file = Path.Combine(scratch, $"heldout-of-{Path.GetFileNameWithoutExtension(training.SourceFiles[0])}.jsonl");
        File.WriteAllLines(file, heldOut);
        return Data.Register(creatorId, [file], training.ConsentScope);
    });

    /// <summary>Marks the version failed with its reason (what <c>twin show</c> prints under it).</summary>
    TwinVersion RecordFailure(TwinVersion version, string reason)
    {
        try
        {
            registry.SetVersionMetrics(version.Id, VersionFailure.ToJson(reason));
        }
        catch (RegistryException)
        {
            // Deleted (consent withdrawn) while it trained: nothing of it is kept, its reason neither.
        }
        return registry.SetVersionStatus(version.Id, VersionStatus.Failed);
    }

    /// <summary>"ana-style version 2": a version's report names the version, not the scratch directory it trained in.</summary>
    string ReportTitle(TwinVersion version) => $"{registry.GetTwin(version.TwinId).Name} version {version.Number}";

    TwinVersion Register(Twin twin, VersionPlan plan, int expectedLatest) =>
        registry.NextVersion(new NewTwinVersion(twin.Id, plan.BaseModel.Id, plan.DatasetUses, plan.Recipe.ToText(),
            plan.Recipe.Options.Training.Seed, CodeVersion, actor)
        {
            ParentVersionId = plan.Parent?.Id,
            ExpectedLatestVersion = expectedLatest,
        });

    /// <summary>
    /// Trains a registered version and records what it produced. <paramref name="resumable"/>: a cancellation leaves
    /// it training with its work directory, and returns null; otherwise a cancelled or failed version is recorded failed.
    /// </summary>
    VersionOutcome? Train(TwinVersion version, VersionPlan plan, string? promoteTo, double margin,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken, bool resumable, int seeds = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        var twin = registry.GetTwin(version.TwinId);
        var directory = workspace?.Open(version.Id) ?? Directory.CreateTempSubdirectory("twinforge-twin-").FullName;
        var interrupted = false;
        TrainedVersion trained;
        try
        {
            if (version.Status == VersionStatus.Pending) registry.SetVersionStatus(version.Id, VersionStatus.Training);
            trained = trainer.Train(plan, directory, onEvent, cancellationToken, ReportTitle(version), Evaluation?.Invoke());
            interrupted = resumable && trained.Cancelled;
        }
        catch (OperationCanceledException) when (resumable && cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            return null;
        }
        catch (Exception error)
        {
            RecordFailure(version, error.Message);
            throw;
        }
        finally
        {
            if (!interrupted) Directory.Delete(directory, recursive: true);
        }
        if (interrupted) return null;
        if (trained.Cancelled)
        {
            RecordFailure(version, "cancelled while it trained");
            throw new OperationCanceledException($"training of version {version.Number} was cancelled; it is recorded as failed");
        }
        // Artifacts are recorded only once they are in the store; a crash before this leaves orphans, never served.
        try
        {
            registry.SetVersionArtifacts(version.Id, trained.Artifacts);
        }
        catch (RegistryException)
        {
            // Consent withdrawn (the version deleted) while it trained: what it derived from the data must not
            // wait for a garbage collection's grace period.
            DeleteUnrecorded(trained.Artifacts);
            throw;
        }
        var metrics = seeds > 1 ? trained.Metrics with { SeedLosses = SeedLosses(plan, trained.Metrics, seeds, onEvent, cancellationToken) } : trained.Metrics;
        trained = trained with { Metrics = metrics };
        registry.SetVersionMetrics(version.Id, trained.Metrics.ToJson());
        version = registry.SetVersionStatus(version.Id, VersionStatus.Succeeded);

        Alias? promoted = null;
        string? note = null;
        var parentMetrics = VersionMetrics.FromJson(plan.Parent?.MetricsJson);
        var difference = parentMetrics is null ? null : trained.Metrics.DifferenceFrom(parentMetrics);
        if (promoteTo is not null)
        {
            note = PromotionGate.Refusal(trained.Metrics, parentMetrics, plan.Parent?.Number, margin, promoteTo, Limits);
            if (note is null) promoted = registry.SetAlias(twin.Id, promoteTo, version.Id, actor);
        }
        return new VersionOutcome(version, trained.Metrics, promoted, note, difference);
    }

    /// <summary>
    /// The fixed held-out loss of the recipe run with <paramref name="seeds"/> seeds: the version's own, then each
    /// further seed's (the same plan and held-out split; the training seed, which draws a new adapter's initial weights
    /// and dropout, and the data seed, which orders the batches, moved on by one each), trained in scratch and
    /// discarded: they measure how much the loss moves with the seed alone.
    /// </summary>
    IReadOnlyList<double> SeedLosses(VersionPlan plan, VersionMetrics own, int seeds, Action<TrainingEvent>? onEvent, CancellationToken cancellationToken)
    {
        var losses = new List<double> { own.FixedHeldOutLoss };
        var options = plan.Recipe.Options;
        for (int extra = 1; extra < seeds; extra++)
        {
            var reseeded = plan with
            {
                Recipe = plan.Recipe with
                {
                    Options = options with
                    {
                        Training = options.Training with { Seed = options.Training.Seed + extra }, Data = options.Data with { Seed = options.Data.Seed + extra },
                    },
                },
            };
            var run = InScratch(scratch => trainer.Train(reseeded, scratch, onEvent, cancellationToken, "seed noise", evaluation: null, artifacts: ArtifactHandling.None));
            if (run.Cancelled) throw new OperationCanceledException("training the further seeds was cancelled");
            losses.Add(run.Metrics.FixedHeldOutLoss);
        }
        return losses;
    }

    /// <summary>Deletes the artifacts no record references (content-addressed: another version may hold the same bytes).</summary>
    void DeleteUnrecorded(IEnumerable<ArtifactReference> artifacts)
    {
        var recorded = registry.ListRecordedArtifactHashes();
        foreach (var artifact in artifacts)
            if (!recorded.Contains(artifact.ContentHash)) store.Delete(artifact.ContentHash);
    }

    T InScratch<T>(Func<string, T> work)
    {
        var scratch = scratchRoot is null
            ? Directory.CreateTempSubdirectory("twinforge-twin-").FullName
            : Directory.CreateDirectory(Path.Combine(scratchRoot, Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            return work(scratch);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
