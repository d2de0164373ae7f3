using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>
/// Fine-tuning jobs: scoped to their organisation, moved between statuses by conditional updates (of two racers one
/// wins), paged newest first, and erased with their version when consent is withdrawn or the twin deleted.
/// </summary>
public abstract class FineTuningJobTests(RegistryBackend backend) : RegistryTest(backend)
{
    static readonly string[] Waiting = [FineTuningJobStatus.Queued, FineTuningJobStatus.Running];

    sealed record Fixture(ITwinRegistry Registry, Organisation Acme, Organisation Globex, Creator Ana, Twin Twin, TwinVersion Version);

    Fixture Planned()
    {
        var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var globex = registry.CreateOrganisation("org-globex", "Globex");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var twin = registry.CreateTwin(ana.Id, "ana-style");
        var version = registry.NextVersion(Build.Request(twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "ana's chats"))]));
        return new Fixture(registry, acme, globex, ana, twin, version);
    }

    static NewFineTuningJob Job(Fixture f, string id = "ftjob-1") =>
        new(id, f.Acme.Id, f.Version.Id, "tiny-base", "file-1", null, "ana-style", 42, """{"hyperparameters":{"n_epochs":3}}""");

    [SkippableFact]
    public void A_job_reads_back_as_created_and_only_its_organisation_finds_it()
    {
        var f = Planned();
        using var registry = f.Registry;

        var job = registry.CreateJob(Job(f));

        Assert.Equal(FineTuningJobStatus.ValidatingFiles, job.Status);
        Assert.Equal(f.Ana.Id, job.CreatorId);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.Error);
        Assert.Equal(job, registry.FindJob(f.Acme.Id, "ftjob-1"));
        Assert.Equal(job, registry.FindJob(job.Id));
        Assert.Null(registry.FindJob(f.Globex.Id, "ftjob-1"));
        Assert.Empty(registry.ListJobs(f.Globex.Id, null, 10));
        Assert.Null(registry.RequestJobCancel(f.Globex.Id, "ftjob-1"));
        Assert.Null(registry.FindJob(f.Acme.Id, "ftjob-1")!.CancelRequestedAt);
        // Nor may another organisation record a job on Acme's version.
        Assert.Throws<UnknownEntityException>(() => registry.CreateJob(Job(f, "ftjob-2") with { OrganisationId = f.Globex.Id }));
        Assert.Throws<DuplicateEntityException>(() => registry.CreateJob(Job(f)));
    }

    [SkippableFact]
    public void Status_changes_happen_only_from_the_given_statuses_and_finishing_records_the_outcome()
    {
        var f = Planned();
        using var registry = f.Registry;
        var job = registry.CreateJob(Job(f));

        Assert.Equal(FineTuningJobStatus.ValidatingFiles,
            registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.Queued], FineTuningJobStatus.Running)!.Status); // not queued yet: unchanged
        registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles], FineTuningJobStatus.Queued);
        var running = registry.ChangeJobStatus(job.Id, Waiting, FineTuningJobStatus.Running)!;
        Assert.Equal((FineTuningJobStatus.Running, 1), (running.Status, running.Attempts));
        Assert.NotNull(running.StartedAt);
        var resumed = registry.ChangeJobStatus(job.Id, Waiting, FineTuningJobStatus.Running)!;
        Assert.Equal((2, running.StartedAt), (resumed.Attempts, resumed.StartedAt));
        registry.SetJobTrainedTokens(job.Id, 1234);

        var done = registry.ChangeJobStatus(job.Id, Waiting, FineTuningJobStatus.Succeeded, new FineTuningJobOutcome(FineTunedModel: "creator-ana/ana-style@1"))!;

        Assert.Equal(FineTuningJobStatus.Succeeded, done.Status);
        Assert.Equal("creator-ana/ana-style@1", done.FineTunedModel);
        Assert.Equal(1234, done.TrainedTokens);
        Assert.NotNull(done.FinishedAt);
        // Finished is final: a late cancel neither changes it nor marks it.
        Assert.Equal(FineTuningJobStatus.Succeeded,
            registry.ChangeJobStatus(job.Id, FineTuningJobStatus.Unfinished, FineTuningJobStatus.Cancelled)!.Status);
        Assert.Null(registry.RequestJobCancel(f.Acme.Id, "ftjob-1")!.CancelRequestedAt);
        Assert.Null(registry.ChangeJobStatus(999_999, Waiting, FineTuningJobStatus.Running));
    }

    [SkippableFact]
    public void A_failure_keeps_its_code_message_and_parameter()
    {
        var f = Planned();
        using var registry = f.Registry;
        var job = registry.CreateJob(Job(f));

        var failed = registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles], FineTuningJobStatus.Failed,
            new FineTuningJobOutcome(new FineTuningJobError("invalid_training_file", "ana.jsonl:3: too long", "training_file")))!;

        Assert.Equal(new FineTuningJobError("invalid_training_file", "ana.jsonl:3: too long", "training_file"), failed.Error);
        Assert.Equal(failed, registry.FindJob(job.Id));
    }

    [SkippableFact]
    public void Of_two_racers_changing_one_job_exactly_one_wins()
    {
        var f = Planned();
        using var registry = f.Registry;
        var job = registry.CreateJob(Job(f));
        registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles], FineTuningJobStatus.Queued);
        using var other = Open();

        var results = new[] { registry, other }.AsParallel().Select((r, i) =>
            r.ChangeJobStatus(job.Id, [FineTuningJobStatus.Queued], i == 0 ? FineTuningJobStatus.Running : FineTuningJobStatus.Cancelled)!).ToList();

        var final = registry.FindJob(job.Id)!.Status;
        Assert.Contains(final, new[] { FineTuningJobStatus.Running, FineTuningJobStatus.Cancelled });
        Assert.All(results, r => Assert.Equal(final, r.Status));
    }

    [SkippableFact]
    public void Jobs_events_and_checkpoints_page_newest_first_after_a_given_id()
    {
        var f = Planned();
        using var registry = f.Registry;
        var jobs = Enumerable.Range(1, 5).Select(i => registry.CreateJob(Job(f, $"ftjob-{i}"))).ToList();
        var job = jobs[0];
        var events = Enumerable.Range(1, 7).Select(i => registry.AddJobEvent(job.Id, new NewFineTuningJobEvent($"ftevent-{i}", "info", "message", $"event {i}"))!).ToList();
        registry.AddJobEvent(job.Id, new NewFineTuningJobEvent("ftevent-m", "info", "metrics", "Step 1/6: training loss=2.5", """{"step":1,"train_loss":2.5}"""));
        var checkpoints = Enumerable.Range(1, 3).Select(i => registry.AddJobCheckpoint(job.Id, new NewFineTuningJobCheckpoint($"ftckpt-{i}", i * 2, """{"step":2}"""))!).ToList();

        Assert.Equal(["ftjob-5", "ftjob-4"], registry.ListJobs(f.Acme.Id, null, 2).Select(j => j.PublicId));
        Assert.Equal(["ftjob-3", "ftjob-2"], registry.ListJobs(f.Acme.Id, "ftjob-4", 2).Select(j => j.PublicId));
        Assert.Empty(registry.ListJobs(f.Acme.Id, "ftjob-1", 2));
        Assert.Equal(["ftevent-m", "ftevent-7", "ftevent-6"], registry.ListJobEvents(f.Acme.Id, job.Id, null, 3).Select(e => e.PublicId));
        Assert.Equal(["ftevent-5", "ftevent-4"], registry.ListJobEvents(f.Acme.Id, job.Id, "ftevent-6", 2).Select(e => e.PublicId));
        Assert.Equal("""{"step":1,"train_loss":2.5}""", registry.ListJobEvents(f.Acme.Id, job.Id, null, 1)[0].DataJson);
        Assert.Equal(events.Skip(5).Select(e => e.PublicId).Append("ftevent-m"),
            registry.ListJobEventsSince(f.Acme.Id, job.Id, events[4].Id).Select(e => e.PublicId));
        Assert.Equal(events[0], registry.ListJobEventsSince(f.Acme.Id, job.Id, 0)[0]);
        Assert.Equal(["ftckpt-3", "ftckpt-2"], registry.ListJobCheckpoints(f.Acme.Id, job.Id, null, 2).Select(c => c.PublicId));
        Assert.Equal([checkpoints[0]], registry.ListJobCheckpoints(f.Acme.Id, job.Id, "ftckpt-2", 5));
        // Another organisation sees none of them, even with the job's id.
        Assert.Empty(registry.ListJobEvents(f.Globex.Id, job.Id, null, 10));
        Assert.Empty(registry.ListJobEventsSince(f.Globex.Id, job.Id, 0));
        Assert.Empty(registry.ListJobCheckpoints(f.Globex.Id, job.Id, null, 10));
        // A cursor naming nothing of the list is unknown, not the list's end: another organisation's job, another
        // job's event, an id never given.
        Assert.Equal("no fine-tuning job with id 'ftjob-2'", Assert.Throws<UnknownEntityException>(() => registry.ListJobs(f.Globex.Id, "ftjob-2", 2)).Message);
        Assert.Throws<UnknownEntityException>(() => registry.ListJobEvents(f.Acme.Id, jobs[1].Id, "ftevent-6", 2));
        Assert.Throws<UnknownEntityException>(() => registry.ListJobCheckpoints(f.Acme.Id, job.Id, "ftckpt-9", 2));
        Assert.Equal(5, registry.CountJobsByStatus()[FineTuningJobStatus.ValidatingFiles]);
        Assert.Equal(0, registry.CountJobsByStatus()[FineTuningJobStatus.Running]);
    }

    [SkippableFact]
    public void Withdrawing_consent_erases_the_jobs_of_the_deleted_versions_with_their_events_and_checkpoints()
    {
        var f = Planned();
        using var registry = f.Registry;
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var job = registry.CreateJob(Job(f));
        registry.AddJobEvent(job.Id, new NewFineTuningJobEvent("ftevent-1", "info", "message", "Validating training file: file-1"));
        registry.AddJobCheckpoint(job.Id, new NewFineTuningJobCheckpoint("ftckpt-1", 2, "{}"));
        var bo = registry.CreateOrganisationCreator(f.Acme.Id, "creator-bo", "Bo");
        registry.GiveConsent(bo.Id, ConsentScopes.Text);
        var boTwin = registry.CreateTwin(bo.Id, "bo-style");
        var boVersion = registry.NextVersion(Build.Request(boTwin, registry.GetBaseModelByName("tiny-base"), [Build.Train(Build.Dataset(registry, bo, "bo's chats"))]));
        var boJob = registry.CreateJob(new NewFineTuningJob("ftjob-bo", f.Acme.Id, boVersion.Id, "tiny-base", "file-2", null, null, 1, "{}"));

        registry.WithdrawConsent(f.Ana.Id, ConsentScopes.Text, "asked", "tester", store);

        Assert.Null(registry.FindJob(job.Id));
        Assert.Null(registry.FindJob(f.Acme.Id, "ftjob-1"));
        Assert.Null(registry.AddJobEvent(job.Id, new NewFineTuningJobEvent("ftevent-late", "info", "message", "too late")));
        Assert.Equal([boJob], registry.ListJobs(f.Acme.Id, null, 10));
        Assert.Equal(0, Backend.ScalarRaw($"SELECT COUNT(*) FROM fine_tuning_job_events WHERE job_id = {job.Id}"));
        Assert.Equal(0, Backend.ScalarRaw($"SELECT COUNT(*) FROM fine_tuning_job_checkpoints WHERE job_id = {job.Id}"));
    }

    [SkippableFact]
    public void Deleting_a_twin_deletes_its_jobs()
    {
        var f = Planned();
        using var registry = f.Registry;
        var job = registry.CreateJob(Job(f));
        registry.AddJobEvent(job.Id, new NewFineTuningJobEvent("ftevent-1", "info", "message", "queued"));

        registry.DeleteTwin(f.Twin.Id, "retired", "tester", new LocalArtifactStore(Scratch.Sub("artifacts")));

        Assert.Null(registry.FindJob(job.Id));
        Assert.Equal(0, Backend.ScalarRaw("SELECT COUNT(*) FROM fine_tuning_job_events"));
    }
}

public sealed class SqliteFineTuningJobTests() : FineTuningJobTests(new SqliteBackend());

public sealed class PostgresFineTuningJobTests() : FineTuningJobTests(new PostgresBackend());
