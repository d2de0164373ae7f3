using Twinforge.Engine.Training;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Tests;

/// <summary>Versions planned for a job queue: trained later, interrupted, resumed from their checkpoint, given up, erased.</summary>
[Collection("Torch")]
public sealed class PlannedVersionTests
{
    /// <summary>The workbench's recipe with a checkpoint every 2 of its 6 updates, as a job's run has.</summary>
    static readonly TwinRecipe Recipe = new()
    {
        Options = TwinWorkbench.Recipe.Options with { Training = TwinWorkbench.Recipe.Options.Training with { CheckpointEverySteps = 2 } },
    };

    static TwinLifecycle Resumable(TwinWorkbench bench, string workRoot) => new(bench.Registry, bench.Store, "worker", scratchRoot: workRoot);

    [Fact]
    public void An_interrupted_version_resumes_from_its_checkpoint_to_the_same_adapter_as_an_uninterrupted_run()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var data = bench.Data(ana, "spring", 30);
        var workRoot = Path.Combine(bench.Root, "work");

        var whole = Resumable(bench, workRoot);
        var uninterrupted = whole.TrainPlanned(whole.PlanTwin(ana.Id, "whole", bench.BaseModel, data, heldOut: null, Recipe).Id)!;

        var planned = Resumable(bench, workRoot).PlanTwin(ana.Id, "interrupted", bench.BaseModel, data, heldOut: null, Recipe);
        Assert.Equal(VersionStatus.Pending, planned.Status);
        using var stop = new CancellationTokenSource();
        var first = Resumable(bench, workRoot).TrainPlanned(planned.Id, onEvent: e =>
        {
            if (e is StepCompleted { Step: 3 }) stop.Cancel();
        }, cancellationToken: stop.Token);

        Assert.Null(first);
        Assert.Equal(VersionStatus.Training, bench.Registry.GetVersion(planned.Id).Status);
        Assert.True(new VersionWorkspace(Path.Combine(workRoot, "versions")).Exists(planned.Id));

        var steps = new List<int>();
        var resumed = Resumable(bench, workRoot).TrainPlanned(planned.Id, onEvent: e =>
        {
            if (e is StepCompleted completed) steps.Add(completed.Step);
        })!;

        Assert.Equal(VersionStatus.Succeeded, resumed.Version.Status);
        Assert.DoesNotContain(1, steps); // continued, not started over
        Assert.Equal(Adapter(uninterrupted.Version), Adapter(resumed.Version));
        Assert.Equal(uninterrupted.Metrics.FixedHeldOutLoss, resumed.Metrics.FixedHeldOutLoss);
        Assert.False(new VersionWorkspace(Path.Combine(workRoot, "versions")).Exists(planned.Id)); // finished: nothing kept outside the store
    }

    /// <summary>
    /// A cancel that arrives after the last update (a job's, while its version is scored and evaluated) still stops
    /// the version: nothing is recorded or stored, its checkpoint is kept, and the stage it was in was announced.
    /// </summary>
    [Fact]
    public void A_version_cancelled_after_its_last_update_is_interrupted_not_published()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var workRoot = Path.Combine(bench.Root, "work");
        var lifecycle = Resumable(bench, workRoot);
        var planned = lifecycle.PlanTwin(ana.Id, "late", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, Recipe);
        using var stop = new CancellationTokenSource();
        var stages = new List<string>();

        var outcome = lifecycle.TrainPlanned(planned.Id, onEvent: e =>
        {
            if (e is not StageStarted stage) return;
            stages.Add(stage.Description);
            stop.Cancel();
        }, cancellationToken: stop.Token);

        Assert.Null(outcome);
        Assert.Single(stages);
        Assert.StartsWith("Training done", stages[0]);
        var version = bench.Registry.GetVersion(planned.Id);
        Assert.Equal(VersionStatus.Training, version.Status);
        Assert.Empty(version.Artifacts);
        Assert.True(new VersionWorkspace(Path.Combine(workRoot, "versions")).Exists(planned.Id));
    }

    [Fact]
    public void Abandoning_an_interrupted_version_fails_it_and_deletes_its_work()
    {
        using var bench = new TwinWorkbench();
        var workRoot = Path.Combine(bench.Root, "work");
        var (lifecycle, planned) = Interrupted(bench, workRoot, atStep: 1);

        lifecycle.Abandon(planned.Id);

        Assert.Equal(VersionStatus.Failed, bench.Registry.GetVersion(planned.Id).Status);
        Assert.False(new VersionWorkspace(Path.Combine(workRoot, "versions")).Exists(planned.Id));
        Assert.Throws<InvalidVersionStateException>(() => lifecycle.TrainPlanned(planned.Id));
    }

    [Fact]
    public void Withdrawing_consent_erases_an_interrupted_versions_data_and_checkpoints()
    {
        using var bench = new TwinWorkbench();
        var workRoot = Path.Combine(bench.Root, "work");
        var (lifecycle, planned) = Interrupted(bench, workRoot, atStep: 2);
        var ana = bench.Registry.GetCreatorByName("ana");
        var work = new VersionWorkspace(Path.Combine(workRoot, "versions")).PathOf(planned.Id);
        Assert.NotEmpty(Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories));

        lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "the creator asked");

        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public void Cancelling_an_interrupted_version_fails_it_and_keeps_its_checkpoint()
    {
        using var bench = new TwinWorkbench();
        var workRoot = Path.Combine(bench.Root, "work");
        var (lifecycle, planned) = Interrupted(bench, workRoot, atStep: 2);

        lifecycle.Cancel(planned.Id, "its fine-tuning job ftjob-x was cancelled");

        var cancelled = bench.Registry.GetVersion(planned.Id);
        Assert.Equal(VersionStatus.Failed, cancelled.Status);
        Assert.Equal("its fine-tuning job ftjob-x was cancelled", VersionFailure.ReasonIn(cancelled.MetricsJson));
        // A second (racing) cancel leaves the record as the first left it.
        Assert.Throws<InvalidVersionStateException>(() => lifecycle.Cancel(planned.Id, "cancelled again"));
        Assert.Equal("its fine-tuning job ftjob-x was cancelled", VersionFailure.ReasonIn(bench.Registry.GetVersion(planned.Id).MetricsJson));
        var work = new VersionWorkspace(Path.Combine(workRoot, "versions")).PathOf(planned.Id);
        Assert.Contains(Directory.EnumerateDirectories(work, "*", SearchOption.AllDirectories), d => Path.GetFileName(d).StartsWith("step-", StringComparison.Ordinal)
            || Path.GetFileName(d) == "checkpoints");
        Assert.Throws<InvalidVersionStateException>(() => lifecycle.TrainPlanned(planned.Id));
    }

    [Fact]
    public void Checking_a_planned_version_finds_what_its_training_would_refuse_by_the_creators_file_and_line()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var lifecycle = Resumable(bench, Path.Combine(bench.Root, "work"));
        var good = lifecycle.PlanTwin(ana.Id, "good", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, Recipe);
        var longOnes = bench.Lifecycle.Data.Register(ana.Id, [bench.DataFile(ana, "long", TwinWorkbench.LongExchanges(30))]);
        var bad = lifecycle.PlanTwin(ana.Id, "bad", bench.BaseModel, longOnes, heldOut: bench.Data(ana, "held", 10), Recipe);

        Assert.True(lifecycle.CheckPlanned(good.Id).IsValid);
        var check = lifecycle.CheckPlanned(bad.Id);

        Assert.False(check.IsValid);
        Assert.All(check.Errors.Concat(check.Warnings), problem => Assert.Equal("ana-long.jsonl", problem.FilePath));
        Assert.Contains(check.Warnings, warning => warning.Line is >= 1 and <= 30);
        Assert.Equal(VersionStatus.Pending, bench.Registry.GetVersion(bad.Id).Status); // a check changes nothing
    }

    /// <summary>Ana's twin, planned and interrupted after update <paramref name="atStep"/>.</summary>
    static (TwinLifecycle Lifecycle, TwinVersion Planned) Interrupted(TwinWorkbench bench, string workRoot, int atStep)
    {
        var ana = bench.Creator("ana");
        var lifecycle = Resumable(bench, workRoot);
        var planned = lifecycle.PlanTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, Recipe);
        using var stop = new CancellationTokenSource();
        Assert.Null(lifecycle.TrainPlanned(planned.Id, onEvent: e =>
        {
            if (e is StepCompleted completed && completed.Step == atStep) stop.Cancel();
        }, cancellationToken: stop.Token));
        return (lifecycle, planned);
    }

    static string Adapter(TwinVersion version) => version.Artifacts.Single(artifact => artifact.Kind == ArtifactReference.Adapter).ContentHash;
}
