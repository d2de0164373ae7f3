using Twinforge.Service.Watermarking;

namespace Twinforge.Service.Tests;

/// <summary>
/// The legacy text completions API through the official npm client (tests/npm-client/completions.mjs), against the
/// service on a real port with a trained twin: <c>client.completions.create</c> whole and streamed give the same text
/// and usage (the script checks), several prompts with <c>n</c> index their choices, and a refusal is the API's error.
/// </summary>
[Collection("Twins")]
public sealed class NpmCompletionsTests : IDisposable
{
    readonly ServiceFactory service = new();

    [SkippableFact]
    public async Task The_npm_client_completes_text_whole_and_streamed_with_the_same_text_and_usage()
    {
        NpmClient.RequireInstalled();
        var baseUrl = service.ListenOnLoopback();
        // A fixed watermark master secret and organisation id, so the greedy answer (which the watermark shifts) is the
        // same in every run: with a random key it was now and then empty, the twin ending at once.
        File.WriteAllText(Path.Combine(service.DataDirectory, WatermarkKeys.DefaultFileName), "5f1c0a9e3b7d42e8a6c19f04d2b87e3c6a0f5d18e94b27c3d6a1f08e5b9c4d27\n");
        var (organisation, key) = await service.Organisation("Acme", fixedId: "npmtext");
        var creator = await service.Creator(key);
        var twins = new TinyTwins(service);
        twins.Train(twins.Creator(organisation, creator), "ana-style");

        var seen = await NpmClient.Run("completions.mjs", new Dictionary<string, string>
        {
            ["TWINFORGE_BASE_URL"] = baseUrl + "/v1", ["TWINFORGE_API_KEY"] = key, ["MODEL"] = "ana-style",
        }, TimeSpan.FromSeconds(60));

        var whole = seen.GetProperty("whole");
        Assert.Equal("text_completion", whole.GetProperty("object").GetString());
        Assert.Equal($"{creator}/ana-style@1", whole.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(whole.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("text").GetString(), seen.GetProperty("streamed").GetString());
        Assert.Equal("ana-style says spring".Length, whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal([0, 1, 2, 3], seen.GetProperty("indexes").EnumerateArray().Select(index => index.GetInt32()));
        var refused = seen.GetProperty("refused");
        Assert.Equal((400, "echo"), (refused.GetProperty("status").GetInt32(), refused.GetProperty("param").GetString()));
    }

    public void Dispose() => service.Dispose();
}
