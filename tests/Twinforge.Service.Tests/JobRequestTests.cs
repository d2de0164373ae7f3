using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Twinforge.Engine.Training;
using Twinforge.Service.Jobs;
using Twinforge.Twins;

namespace Twinforge.Service.Tests;

/// <summary>
/// Creating, listing, reading and cancelling jobs without training them (no worker runs here): the request's checks with
/// the API's error shape, a bad file failing the job by line, pagination, isolation between organisations, and erasure.
/// </summary>
public sealed class JobRequestTests : IDisposable
{
    readonly ServiceFactory service = new(TinyBase.Settings(runWorker: false));

    static object Job(string file, string model = TinyBase.Name, object? twinforge = null, string? suffix = "ana-style") => new
    {
        model, training_file = file, suffix, twinforge = twinforge ?? new { recipe = TinyBase.Recipe() },
    };

    [Fact]
    public async Task A_job_plans_its_twin_version_and_waits_queued_with_its_events()
    {
        var (key, file, creator) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);

        var job = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = TinyBase.Name, training_file = file, suffix = "ana-style", seed = 7, metadata = new Dictionary<string, string> { ["team"] = "voice" },
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 2, batch_size = "auto", learning_rate_multiplier = 5 } } },
            twinforge = new { recipe = TinyBase.Recipe(), promote_to = "production" },
        }));

        Assert.StartsWith("ftjob-", job.GetProperty("id").GetString());
        Assert.Equal("fine_tuning.job", job.GetProperty("object").GetString());
        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("fine_tuned_model").ValueKind);
        Assert.Equal(7, job.GetProperty("seed").GetInt32());
        Assert.Equal(2, job.GetProperty("hyperparameters").GetProperty("n_epochs").GetInt32());
        Assert.Equal(4, job.GetProperty("method").GetProperty("supervised").GetProperty("hyperparameters").GetProperty("batch_size").GetInt32()); // the recipe's
        Assert.Equal(5, job.GetProperty("hyperparameters").GetProperty("learning_rate_multiplier").GetDouble());
        Assert.Equal("voice", job.GetProperty("metadata").GetProperty("team").GetString());
        Assert.StartsWith("org-", job.GetProperty("organization_id").GetString());
        Assert.Empty(job.GetProperty("result_files").EnumerateArray());
        var twinforge = job.GetProperty("twinforge");
        Assert.Equal((creator, "ana-style", 1, "production"), (twinforge.GetProperty("creator").GetString(), twinforge.GetProperty("twin").GetString(),
            twinforge.GetProperty("version").GetInt32(), twinforge.GetProperty("promote_to").GetString()));
        var events = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{job.GetProperty("id").GetString()}/events"));
        Assert.Equal(["Files validated, moving job to queued state", $"Validating training file: {file}"],
            events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        Assert.All(events.GetProperty("data").EnumerateArray(), e => Assert.Equal("fine_tuning.job.event", e.GetProperty("object").GetString()));
    }

    /// <summary>
    /// A job on a base with defaults of its own (the command line gives the built-in bases the settings `twin create`
    /// uses there) trains with them, and learning_rate_multiplier scales that base's rate, not the engine's.
    /// </summary>
    [Fact]
    public async Task A_job_on_a_base_with_its_own_twin_defaults_starts_from_them()
    {
        var ownDefaults = TwinRecipe.DefaultOptions with
        {
            Lora = new Engine.Lora.LoraConfig { Rank = 16, Alpha = 32, Dropout = 0.05 },
            Training = TwinRecipe.DefaultOptions.Training with { LearningRate = 1e-3, Epochs = 8 },
        };
        using var withDefaults = new ServiceFactory(TinyBase.Settings(runWorker: false))
        {
            TestServices = services => services.AddSingleton(new BaseTwinDefaults(new Dictionary<string, FineTuningOptions> { [TinyBase.Directory] = ownDefaults })),
        };
        var (key, file, _) = await withDefaults.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = withDefaults.Client(key);

        var plain = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = TinyBase.Name, training_file = file, suffix = "ana-style" }));
        var doubled = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = TinyBase.Name, training_file = file, suffix = "ana-fast",
            method = new { type = "supervised", supervised = new { hyperparameters = new { learning_rate_multiplier = 2 } } },
        }));

        Assert.Equal(8, plain.GetProperty("hyperparameters").GetProperty("n_epochs").GetInt32());
        Assert.Equal(1, plain.GetProperty("hyperparameters").GetProperty("learning_rate_multiplier").GetDouble());
        var registry = withDefaults.Services.GetRequiredService<Hosting.ServiceStorage>().Registry;
        var recipes = registry.ListOrganisationCreators(registry.ListOrganisations().Single().Id)
            .SelectMany(creator => registry.ListTwins(creator.Id))
            .ToDictionary(twin => twin.Name, twin => TwinRecipe.FromText(registry.ListVersions(twin.Id).Single().RecipeText).Options);
        Assert.Equal((16, 32, 1e-3), (recipes["ana-style"].Lora!.Rank, recipes["ana-style"].Lora!.Alpha, recipes["ana-style"].Training.LearningRate));
        Assert.Equal(2e-3, recipes["ana-fast"].Training.LearningRate, 12);
        Assert.Equal(2, doubled.GetProperty("hyperparameters").GetProperty("learning_rate_multiplier").GetDouble());
    }

    [Fact]
    public async Task A_file_whose_examples_training_would_drop_fails_the_job_with_each_line()
    {
        // Valid for the upload's check (512 tokens), but every reply is longer than the 32 tokens this job trains at.
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);

        var job = await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs",
            Job(file, twinforge: new { recipe = TinyBase.Recipe(), set = new[] { "data_options.sequence_length=32" } })));

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var error = job.GetProperty("error");
        Assert.Equal("invalid_training_file", error.GetProperty("code").GetString());
        Assert.Equal("training_file", error.GetProperty("param").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("ana.jsonl:1:", message);   // each example by the creator's file and line
        Assert.Contains("ana.jsonl:30:", message);
        // Once each, in the file's order (the training part and its held-out share are checked apart).
        var lines = System.Text.RegularExpressions.Regex.Matches(message, @"ana\.jsonl:(\d+):").Select(match => int.Parse(match.Groups[1].Value)).ToList();
        Assert.Equal(lines.Order(), lines);
        Assert.Equal(lines.Distinct(), lines);
        var sentences = message.Split('\n').Skip(1).ToList();
        Assert.Equal(sentences.Distinct(), sentences);
        Assert.Contains("32", message);
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("finished_at").ValueKind);
        var events = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{job.GetProperty("id").GetString()}/events?limit=1"));
        Assert.Equal("error", events.GetProperty("data")[0].GetProperty("level").GetString());
    }

    [Fact]
    public async Task Unknown_models_malformed_requests_and_bad_settings_are_400_naming_the_parameter()
    {
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        async Task<string?> Refused(object body, int status = 400) =>
            (await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", body), status)).GetProperty("param").GetString();

        var unknown = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file, model: "gpt-4o-mini")), 400);
        Assert.Equal(("model", "model_not_available"), (unknown.GetProperty("param").GetString(), unknown.GetProperty("code").GetString()));
        Assert.Equal("model", await Refused(Job(file, model: "../../etc/passwd")));
        Assert.Equal("model", await Refused(new { training_file = file }));
        Assert.Equal("training_file", await Refused(new { model = TinyBase.Name }));
        Assert.Equal("training_file", await Refused(Job("file-000000000000000000000000"), 404));
        Assert.Equal("training_file", await Refused(Job("../registry.db"), 404));
        Assert.Equal("suffix", await Refused(Job(file, suffix: "no spaces please")));
        Assert.Equal("method.type", await Refused(new { model = TinyBase.Name, training_file = file, method = new { type = "dpo" } }));
        Assert.Equal("hyperparameters.n_epochs", await Refused(new { model = TinyBase.Name, training_file = file, hyperparameters = new { n_epochs = 0 } }));
        Assert.Equal("twinforge.recipe.training.learning_rat",
            await Refused(Job(file, twinforge: new { recipe = new { training = new { learning_rat = 0.1 } } })));
        Assert.Equal("twinforge.recipe.data", await Refused(Job(file, twinforge: new { recipe = new { data = new[] { "/etc/passwd" } } })));
        Assert.Equal("twinforge.set", await Refused(Job(file, twinforge: new { set = new[] { "output=/tmp/x" } })));
        Assert.Equal("twinforge.colour", await Refused(Job(file, twinforge: new { colour = "blue" })));
        var malformed = await ServiceFactory.Error(await client.PostAsync("/v1/fine_tuning/jobs",
            new StringContent("{\"model\": \"tiny\", \"training_file\":", Encoding.UTF8, "application/json")), 400);
        Assert.Contains("JSON", malformed.GetProperty("message").GetString());
        Assert.Empty((await ServiceFactory.Json(await client.GetAsync("/v1/fine_tuning/jobs"))).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Jobs_and_events_page_newest_first_with_has_more()
    {
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
            ids.Add((await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file, suffix: $"twin-{i}")))).GetProperty("id").GetString()!);

        var first = await ServiceFactory.Json(await client.GetAsync("/v1/fine_tuning/jobs?limit=2"));
        var second = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs?limit=2&after={first.GetProperty("last_id").GetString()}"));

        Assert.Equal([ids[2], ids[1]], first.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal([ids[0]], second.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        Assert.False(second.GetProperty("has_more").GetBoolean());
        var newest = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{ids[0]}/events?limit=1"));
        Assert.True(newest.GetProperty("has_more").GetBoolean());
        var older = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{ids[0]}/events?limit=1&after={newest.GetProperty("data")[0].GetProperty("id").GetString()}"));
        Assert.Equal($"Validating training file: {file}", older.GetProperty("data")[0].GetProperty("message").GetString());
        Assert.False(older.GetProperty("has_more").GetBoolean());
        await ServiceFactory.Error(await client.GetAsync("/v1/fine_tuning/jobs?limit=0"), 400);
        // A cursor that names nothing in the list (well-formed or not) is 404 naming 'after', never an empty last page.
        foreach (var path in new[] { "/v1/fine_tuning/jobs?after=ftjob-000000000000000000000000", "/v1/fine_tuning/jobs?after=nonsense",
                     $"/v1/fine_tuning/jobs/{ids[0]}/events?after=ftevent-000000000000000000000000",
                     $"/v1/fine_tuning/jobs/{ids[1]}/events?after={newest.GetProperty("data")[0].GetProperty("id").GetString()}",
                     $"/v1/fine_tuning/jobs/{ids[0]}/checkpoints?after=ftckpt-000000000000000000000000" })
            Assert.Equal("after", (await ServiceFactory.Error(await client.GetAsync(path), 404)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task Cancelling_a_queued_job_cancels_it_at_once_and_a_finished_job_cannot_be_cancelled()
    {
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        var id = (await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)))).GetProperty("id").GetString();

        var cancelled = await ServiceFactory.Json(await client.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null));

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.True(cancelled.GetProperty("twinforge").GetProperty("cancel_requested").GetBoolean());
        var again = await ServiceFactory.Error(await client.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null), 400);
        Assert.Equal("job_finished", again.GetProperty("code").GetString());
        Assert.Equal($"Job {id} has already been cancelled: only an unfinished job can be cancelled.", again.GetProperty("message").GetString());
        // The twin's name is free again for a new job: its only version failed.
        await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)));
    }

    [Fact]
    public async Task Another_organisations_jobs_and_files_are_404_on_every_job_endpoint()
    {
        var (acmeKey, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var acme = service.Client(acmeKey);
        var id = (await ServiceFactory.Json(await acme.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)))).GetProperty("id").GetString();
        var (globexKey, globexFile, _) = await service.CreatorWithFile(ChatData.Valid("bo", 30), "Bo");
        using var globex = service.Client(globexKey);

        await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs/{id}"), 404);
        await ServiceFactory.Error(await globex.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null), 404);
        await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs/{id}/events"), 404);
        await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs/{id}/events?stream=true"), 404);
        await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs/{id}/checkpoints"), 404);
        Assert.Empty((await ServiceFactory.Json(await globex.GetAsync("/v1/fine_tuning/jobs"))).GetProperty("data").EnumerateArray());
        Assert.Equal("after", (await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs?after={id}"), 404)).GetProperty("param").GetString());
        var foreignFile = await ServiceFactory.Error(await globex.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)), 404);
        Assert.Equal("training_file", foreignFile.GetProperty("param").GetString());
        var foreignValidation = await ServiceFactory.Error(await globex.PostAsJsonAsync("/v1/fine_tuning/jobs",
            new { model = TinyBase.Name, training_file = globexFile, validation_file = file }), 404);
        Assert.Equal("validation_file", foreignValidation.GetProperty("param").GetString());
        // Acme's twin is no model of Globex's; an unknown job id reads exactly like Acme's.
        var twin = await ServiceFactory.Error(await globex.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "ana-style", training_file = globexFile }), 400);
        Assert.Equal("model_not_available", twin.GetProperty("code").GetString());
        var unknown = await ServiceFactory.Error(await globex.GetAsync("/v1/fine_tuning/jobs/ftjob-000000000000000000000000"), 404);
        var foreign = await ServiceFactory.Error(await globex.GetAsync($"/v1/fine_tuning/jobs/{id}"), 404);
        Assert.Equal(unknown.GetProperty("code").GetString(), foreign.GetProperty("code").GetString());
        await ServiceFactory.Json(await acme.GetAsync($"/v1/fine_tuning/jobs/{id}"));
    }

    [Theory]
    [InlineData("/v1/fine_tuning/jobs/..%2F..%2Fregistry.db")]
    [InlineData("/v1/fine_tuning/jobs/%2e%2e/events")]
    [InlineData("/v1/fine_tuning/jobs/ftjob-..%2F..%2Fetc%2Fpasswd/checkpoints")]
    [InlineData("/v1/fine_tuning/jobs/FTJOB-AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/v1/fine_tuning/jobs/work/events?stream=true")]
    public async Task Path_like_job_ids_are_404_without_touching_the_file_system(string path)
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);
        var before = System.IO.Directory.EnumerateFileSystemEntries(service.DataDirectory, "*", SearchOption.AllDirectories).Order().ToList();

        var response = await client.GetAsync(path);

        Assert.True((int)response.StatusCode is 404 or 400, $"{path}: {(int)response.StatusCode}");
        await ServiceFactory.Error(response, (int)response.StatusCode);
        if (!path.Contains('?')) await ServiceFactory.Error(await client.PostAsync(path + "/cancel", null), 404);
        Assert.Equal(before, System.IO.Directory.EnumerateFileSystemEntries(service.DataDirectory, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public async Task Withdrawing_consent_erases_the_creators_jobs()
    {
        var (key, file, creator) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        var id = (await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)))).GetProperty("id").GetString();

        var withdrawal = await ServiceFactory.Json(await client.PostAsJsonAsync($"/v1/creators/{creator}/consents/withdraw", new { scope = "text", reason = "asked" }));

        Assert.Equal(1, withdrawal.GetProperty("deleted_twin_versions").GetInt32());
        await ServiceFactory.Error(await client.GetAsync($"/v1/fine_tuning/jobs/{id}"), 404);
        await ServiceFactory.Error(await client.GetAsync($"/v1/fine_tuning/jobs/{id}/events"), 404);
        Assert.Empty((await ServiceFactory.Json(await client.GetAsync("/v1/fine_tuning/jobs"))).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task The_jobs_meter_reports_jobs_by_state_and_the_queue_depth()
    {
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs", Job(file)));
        var meters = service.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var measured = new Dictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This host's instruments only: tests run other hosts meanwhile, with meters of the same name.
            if (instrument.Meter.Name == Jobs.JobMetrics.MeterName && instrument.Meter.Scope == meters) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            measured[instrument.Name + string.Concat(tags.ToArray().Select(t => $"/{t.Value}"))] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measured[instrument.Name + string.Concat(tags.ToArray().Select(t => $"/{t.Value}"))] = value);
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Equal(1, measured["twinforge.jobs/queued"]);
        Assert.Equal(0, measured["twinforge.jobs/running"]);
        Assert.Equal(6, measured.Keys.Count(k => k.StartsWith("twinforge.jobs/", StringComparison.Ordinal)));
        Assert.Equal(1, measured["twinforge.jobs.queue_depth"]); // no worker here: it waits in Hangfire's queue
    }

    public void Dispose() => service.Dispose();
}
