#pragma warning disable OPENAI001 // the SDK marks its fine-tuning client experimental
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Files;
using OpenAI.FineTuning;
using VersionStatus = Twinforge.Registry.Records.VersionStatus;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Tests;

/// <summary>
/// The whole fine-tuning lifecycle driven by the official OpenAI .NET SDK against the service with its in-process
/// worker — upload, job, events, success, then a chat with the new twin, whole and streamed. The typed
/// <see cref="FineTuningClient"/> where it reaches (a job by id, the job list, events, checkpoints, a job on a twin), its
/// protocol method where the typed surface cannot carry Twinforge's extension object (creation with <c>twinforge</c>).
/// Also the live event stream.
/// </summary>
[Collection("Training")]
public sealed class JobsThroughTheSdkTests : IDisposable
{
    readonly ServiceFactory service = new(TinyBase.Settings(runWorker: true));

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Upload_fine_tune_follow_and_train_the_next_version_through_the_official_sdk()
    {
        var (organisation, setupKey) = await service.Organisation();
        var key = await service.KeyWithDefaultCreator(organisation, await service.Creator(setupKey));
        var client = service.Sdk(key);
        var path = Path.Combine(Path.GetTempPath(), $"ana-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, ChatData.Valid("ana", 30));
        FineTuningJob job;
        try
        {
            job = await ReadmeJobExample.FineTuneAsync(client, path, TinyBase.Name, new { recipe = TinyBase.Recipe() });
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal(FineTuningStatus.Succeeded, job.Status);
        var storage = service.Services.GetRequiredService<ServiceStorage>();
        var creators = storage.Registry.ListOrganisationCreators(storage.Registry.FindJob(1)!.OrganisationId);
        var resolved = new ModelResolver(storage.Registry).Resolve(job.Value!, creators);
        Assert.Equal(job.Value, resolved.Id);                     // exactly the id chat completions resolve
        Assert.EndsWith("/ana-style@1", job.Value);
        Assert.Equal(TinyBase.Name, job.BaseModel);
        // (The SDK's job object never copies trained_tokens into BillableTrainedTokenCount: read it from the JSON.)
        Assert.True(JsonDocument.Parse(job.GetRawResponse().Content).RootElement.GetProperty("trained_tokens").GetInt64() > 0);
        Assert.Equal(3, ((HyperparametersForSupervised)job.MethodHyperparameters!).EpochCount);
        await AssertTheNewTwinAnswers(client, job.Value!);
        var fineTuning = client.GetFineTuningClient();
        var fetched = await fineTuning.GetJobAsync(job.JobId);
        Assert.Equal((job.JobId, job.Value), (fetched.JobId, fetched.Value));
        var listed = new List<FineTuningJob>();
        await foreach (var each in fineTuning.GetJobsAsync(new FineTuningJobCollectionOptions { PageSize = 1 })) listed.Add(each);
        Assert.Equal([job.JobId], listed.Select(j => j.JobId));
        var events = new List<FineTuningEvent>();
        await foreach (var each in job.GetEventsAsync(new GetEventsOptions { PageSize = 3 })) events.Add(each); // pages of 3, newest first
        Assert.Equal("The job has successfully completed", events[0].Message);
        Assert.Contains(events, e => e.Kind?.ToString() == "metrics" && e.Message.StartsWith("Step 6/6", StringComparison.Ordinal));
        Assert.Equal(events.OrderByDescending(e => e.CreatedAt).Select(e => e.CreatedAt), events.Select(e => e.CreatedAt));
        var checkpoints = new List<FineTuningCheckpoint>();
        await foreach (var each in job.GetCheckpointsAsync()) checkpoints.Add(each);
        Assert.Equal([6, 4, 2], checkpoints.Select(c => c.StepNumber)); // every 2 updates, and the last
        Assert.All(checkpoints, c => Assert.Equal(job.JobId, c.JobId));

        // The next version: the typed surface suffices, with the twin as the model (its recipe is the parent's).
        var files = client.GetOpenAIFileClient();
        OpenAIFile more = await files.UploadFileAsync(BinaryData.FromString(ChatData.Valid("ana-later", 30)), "ana-later.jsonl", FileUploadPurpose.FineTune);
        var next = await fineTuning.FineTuneAsync("ana-style", more.Id, waitUntilCompleted: false);
        for (var deadline = DateTime.UtcNow.AddMinutes(2); !next.HasCompleted && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500);
            await next.UpdateStatusAsync();
        }

        Assert.Equal(FineTuningStatus.Succeeded, next.Status);
        Assert.Equal(job.Value![..^1] + "2", next.Value);
        using var http = service.Client(key);
        var raw = await ServiceFactory.Json(await http.GetAsync($"/v1/fine_tuning/jobs/{next.JobId}"));
        Assert.Equal(1, raw.GetProperty("twinforge").GetProperty("parent_version").GetInt32());
        var version = storage.Registry.GetVersion(storage.Registry.FindJob(2)!.VersionId);
        Assert.Equal(2, version.Number);
        Assert.Equal(VersionStatus.Succeeded, version.Status);
        Assert.Equal(storage.Registry.GetVersionByNumber(version.TwinId, 1).Id, version.ParentVersionId);
        // Finished jobs leave nothing in the work directory: only interrupted or cancelled ones keep a checkpoint.
        Assert.Empty(Directory.Exists(Path.Combine(storage.WorkDirectory, "versions")) ? Directory.EnumerateDirectories(Path.Combine(storage.WorkDirectory, "versions")) : []);
    }

    /// <summary>The job's fine-tuned model answers through the SDK's chat client, whole and streamed alike.</summary>
    static async Task AssertTheNewTwinAnswers(OpenAIClient client, string fineTunedModel)
    {
        var chat = client.GetChatClient(fineTunedModel);
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 };
        ChatMessage[] question = [new UserChatMessage("Question 1 for ana?")];

        ChatCompletion whole = await chat.CompleteChatAsync(question, options);
        var streamed = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in chat.CompleteChatStreamingAsync(question, options)) streamed.Add(update);

        Assert.Equal(fineTunedModel, whole.Model);                // the version the job trained answered
        // A twin of six updates on a 32-wide model may end its turn at once when greedy (it did once in a full run, whose
        // concurrent tests change the floating point's order): its answer is what it is, the same whole and streamed.
        Assert.NotNull(Assert.Single(whole.Content).Text);
        Assert.Contains(whole.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.True(whole.Usage.InputTokenCount > 0);
        Assert.Equal(whole.Usage.InputTokenCount + whole.Usage.OutputTokenCount, whole.Usage.TotalTokenCount);
        Assert.Equal(whole.Content[0].Text, string.Concat(streamed.SelectMany(update => update.ContentUpdate).Select(part => part.Text)));
        Assert.Equal(whole.FinishReason, Assert.Single(streamed, update => update.FinishReason is not null).FinishReason);
        Assert.Equal(whole.Usage.OutputTokenCount, Assert.Single(streamed, update => update.Usage is not null).Usage.OutputTokenCount);
        Assert.All(streamed, update => Assert.Equal(fineTunedModel, update.Model));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_event_stream_sends_every_event_oldest_first_and_ends_when_the_job_ends()
    {
        var (key, file, _) = await service.CreatorWithFile(ChatData.Valid("ana", 30));
        using var client = service.Client(key);
        var id = (await ServiceFactory.Json(await client.PostAsJsonAsync("/v1/fine_tuning/jobs",
            new { model = TinyBase.Name, training_file = file, twinforge = new { recipe = TinyBase.Recipe() } }))).GetProperty("id").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/fine_tuning/jobs/{id}/events?stream=true");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var streamed = new List<JsonElement>();
        var done = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (line == "data: [DONE]")
            {
                done = true;
                break;
            }
            streamed.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
        }

        Assert.True(done);
        var job = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{id}"));
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal($"Validating training file: {file}", streamed[0].GetProperty("message").GetString());
        Assert.Equal("The job has successfully completed", streamed[^1].GetProperty("message").GetString());
        var listed = await ServiceFactory.Json(await client.GetAsync($"/v1/fine_tuning/jobs/{id}/events?limit=100"));
        Assert.Equal(listed.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()).Reverse(),
            streamed.Select(e => e.GetProperty("id").GetString()));
    }

    public void Dispose() => service.Dispose();
}
