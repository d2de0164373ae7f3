using System.Text.Json;

namespace Twinforge.Service.Tests;

/// <summary>
/// A twin's whole life through the official npm client (tests/npm-client/lifecycle.mjs) against the service with its
/// in-process worker: upload, fine-tune, follow to success, events, the job list, then chat with the new twin whole
/// and streamed — only the base URL and the key differ from the hosted API.
/// </summary>
[Collection("Training")]
public sealed class NpmLifecycleTests : IDisposable
{
    readonly ServiceFactory service = new(TinyBase.Settings(runWorker: true));

    [SkippableFact]
    [Trait("Category", "Slow")]
    public async Task The_npm_client_uploads_fine_tunes_follows_and_chats_with_the_new_twin()
    {
        NpmClient.RequireInstalled();
        var baseUrl = service.ListenOnLoopback();
        var (organisation, setupKey) = await service.Organisation();
        var key = await service.KeyWithDefaultCreator(organisation, await service.Creator(setupKey));
        var data = Path.Combine(service.DataDirectory, "..", $"npm-ana-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(data, ChatData.Valid("ana", 30));

        JsonElement seen;
        try
        {
            seen = await NpmClient.Run("lifecycle.mjs", new Dictionary<string, string>
            {
                ["TWINFORGE_BASE_URL"] = baseUrl + "/v1", ["TWINFORGE_API_KEY"] = key, ["DATA_FILE"] = data,
                ["BASE_MODEL"] = TinyBase.Name,
                ["TWINFORGE_JOB_EXTENSION"] = JsonSerializer.Serialize(new { recipe = TinyBase.Recipe() }),
            }, TimeSpan.FromMinutes(5));
        }
        finally
        {
            File.Delete(data);
        }

        var job = seen.GetProperty("job");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(seen.GetProperty("file").GetString(), job.GetProperty("training_file").GetString());
        var model = job.GetProperty("fine_tuned_model").GetString()!;
        Assert.EndsWith("/npm-twin@1", model);
        Assert.Contains(seen.GetProperty("created").GetProperty("status").GetString(), new[] { "validating_files", "queued" });
        var events = seen.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal("The job has successfully completed", events[0]);               // newest first
        Assert.Contains(events, message => message.StartsWith("Step 6/6", StringComparison.Ordinal));
        Assert.Equal([job.GetProperty("id").GetString()], seen.GetProperty("listed").EnumerateArray().Select(id => id.GetString()));

        var whole = seen.GetProperty("whole");
        Assert.Equal(model, whole.GetProperty("model").GetString());
        var text = whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        // Six updates of a random 2-layer model: its greedy answer may be its end-of-turn marker at once (an empty
        // text), depending on the last bits of its float sums under load; that it answered is what the client checks.
        Assert.NotNull(text);
        Assert.True(whole.GetProperty("usage").GetProperty("completion_tokens").GetInt32() >= 1);
        Assert.Equal(text, seen.GetProperty("streamed").GetString());                // greedy: streamed equals whole
        var usage = seen.GetProperty("usage");
        Assert.Equal(whole.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens").GetInt32());
    }

    public void Dispose() => service.Dispose();
}
