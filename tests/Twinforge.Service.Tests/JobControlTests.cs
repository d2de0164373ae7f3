using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Tests;

/// <summary>
/// Stopping a running job: cancelled by its organisation (within seconds, its checkpoint kept), and interrupted by its
/// worker's graceful shutdown (re-queued, not failed; the next worker resumes it to the adapter an uninterrupted run
/// makes, byte for byte).
/// </summary>
[Collection("Training")]
public sealed class JobControlTests : IDisposable
{
    readonly string dataDirectory = Directory.CreateTempSubdirectory("twinforge-jobs-control-").FullName;

    /// <summary>A job long enough to stop midway: many updates, a checkpoint every 10.</summary>
    static object LongJob(string file, string suffix, int steps = 120) => new
    {
        model = TinyBase.Name, training_file = file, suffix,
        twinforge = new { recipe = TinyBase.Recipe(steps, checkpointEvery: 10), set = new[] { "early_stopping.evaluate_every_steps=50" } },
    };

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Cancelling_a_running_job_stops_it_within_seconds_and_keeps_its_checkpoint()
    {
        using var service = new ServiceFactory(TinyBase.Settings(runWorker: true, dataDirectory));
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        var id = (await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", LongJob(file, "ana-style", steps: 100_000)))).GetProperty("id").GetString();
        await Until(client, $"/v1/fine_tuning/jobs/{id}/checkpoints", page => page.GetProperty("data").GetArrayLength() > 0);

        var asked = Stopwatch.StartNew();
        var answer = await ServiceFactory.Json(await client.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null));
        Assert.True(answer.GetProperty("twinforge").GetProperty("cancel_requested").GetBoolean());
        var job = await Until(client, $"/v1/fine_tuning/jobs/{id}", j => j.GetProperty("status").GetString() == "cancelled");
        asked.Stop();

        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(10), $"cancelled after {asked.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(JsonValueKind.Null, job.GetProperty("fine_tuned_model").ValueKind);
        var storage = service.Services.GetRequiredService<ServiceStorage>();
        var registryJob = storage.Registry.FindJob(storage.Registry.FindJob(1)!.Id)!;
        var version = storage.Registry.GetVersion(registryJob.VersionId);
        Assert.Equal(VersionStatus.Failed, version.Status);
        Assert.Equal($"its fine-tuning job {id} was cancelled", Twinforge.Twins.VersionFailure.ReasonIn(version.MetricsJson)); // what creator show says of it
        var checkpoints = Path.Combine(storage.WorkDirectory, "versions", $"version-{registryJob.VersionId}", "run", "checkpoints");
        Assert.NotEmpty(Directory.EnumerateDirectories(checkpoints, "step-*"));
        var events = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{id}/events?limit=1"));
        Assert.StartsWith("Job cancelled at step", events.GetProperty("data")[0].GetProperty("message").GetString());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_stopping_worker_requeues_its_job_and_the_next_resumes_it_to_the_uninterrupted_adapter()
    {
        string key, file, interrupted;
        await using (var first = new ServiceFactory(TinyBase.Settings(runWorker: true, dataDirectory)))
        {
            (key, file, _) = await first.CreatorWithFile(ChatData.Valid("ana", 30));
            using var client = first.Client(key);
            interrupted = (await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", LongJob(file, "interrupted")))).GetProperty("id").GetString()!;
            await Until(client, $"/v1/fine_tuning/jobs/{interrupted}/checkpoints", page => page.GetProperty("data").GetArrayLength() > 0);
        } // the host stops gracefully: its worker's job checkpoints and goes back to the queue

        using (var registry = TwinRegistry.Open(Path.Combine(dataDirectory, "registry.db")))
        {
            var stopped = registry.FindJob(1)!;
            Assert.Equal(FineTuningJobStatus.Running, stopped.Status); // re-queued, not failed
            var last = registry.ListJobEvents(stopped.OrganisationId, stopped.Id, null, 5);
            Assert.True(last.Any(e => e.Message.StartsWith("The worker is stopping", StringComparison.Ordinal)), string.Join("\n", last.Select(e => $"{e.CreatedAt:O} {e.Message}")));
        }

        using var second = new ServiceFactory(TinyBase.Settings(runWorker: true, dataDirectory));
        using var again = second.Client(key);
        var resumed = await Until(again, $"/v1/fine_tuning/jobs/{interrupted}", j => j.GetProperty("status").GetString() is "succeeded" or "failed", TrainingWait);
        Assert.Equal("succeeded", resumed.GetProperty("status").GetString());
        Assert.Equal(2, resumed.GetProperty("twinforge").GetProperty("attempts").GetInt32());
        var whole = (await ServiceFactory.Json(await again.PostAsJsonAsync("/v1/fine_tuning/jobs", LongJob(file, "uninterrupted")))).GetProperty("id").GetString();
        var uninterrupted = await Until(again, $"/v1/fine_tuning/jobs/{whole}", j => j.GetProperty("status").GetString() is "succeeded" or "failed", TrainingWait);
        Assert.Equal("succeeded", uninterrupted.GetProperty("status").GetString());

        var storage = second.Services.GetRequiredService<ServiceStorage>();
        var job = storage.Registry.FindJob(1)!;
        Assert.Contains(storage.Registry.ListJobEventsSince(job.OrganisationId, job.Id, 0),
            e => e.Message.StartsWith("Resumed from the checkpoint at step", StringComparison.Ordinal));
        Assert.Equal(Adapter(storage.Registry, 2), Adapter(storage.Registry, 1));
        Assert.Equal(uninterrupted.GetProperty("trained_tokens").GetInt64(), resumed.GetProperty("trained_tokens").GetInt64());
    }

    /// <summary>The adapter's content hash of the version the registry's job <paramref name="jobId"/> trained.</summary>
    static string Adapter(ITwinRegistry registry, long jobId) =>
        registry.GetVersion(registry.FindJob(jobId)!.VersionId).Artifacts.Single(a => a.Kind == ArtifactReference.Adapter).ContentHash;

    /// <summary>
    /// How long a test waits for a whole training job: jobs of tens of steps took over two minutes on a busy 2-core
    /// machine (a CI run beside other builds), and these tests are about the adapter, not the speed.
    /// </summary>
    internal static readonly TimeSpan TrainingWait = TimeSpan.FromMinutes(8);

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/> holds (two minutes unless <paramref name="within"/> says otherwise); returns the last answer.</summary>
    internal static async Task<JsonElement> Until(HttpClient client, string path, Func<JsonElement, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var answer = await ServiceFactory.Json(await client.GetAsync(path));
            if (done(answer)) return answer;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} did not reach the expected state: {answer}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
    }
}
