using System.Diagnostics;
using System.Text.Json;
using Twinforge.Tests.Shared;

namespace Twinforge.Engine.Tests.Gguf;

/// <summary>
/// Real llama.cpp: node-llama-cpp (pinned in tests/llama-cpp, with its prebuilt linux-x64 CPU binary; installed there by
/// scripts/setup.sh) running tests/llama-cpp/greedy.mjs on a GGUF file. Without Node.js or the installed package the
/// test is skipped, saying how to get them — except in CI (CI=true), where that is a failure.
/// </summary>
static class LlamaCpp
{
    static readonly NodePackageFolder Folder = new("llama-cpp", "node-llama-cpp");

    public static void RequireInstalled() => Folder.RequireInstalled();

    /// <summary>
    /// What greedy.mjs printed: llama.cpp's prompt tokens, its greedy continuation, and (when tokens were forced) its
    /// choice at each forced position.
    /// </summary>
    public sealed record Continuation(int[] PromptTokens, int[] Tokens, int[] ForcedChoices);

    /// <summary>
    /// llama.cpp's greedy continuation of <paramref name="prompt"/> (tokenized by llama.cpp itself) for up to
    /// <paramref name="maxNewTokens"/> tokens; with <paramref name="forced"/>, also its choice at each step while the
    /// given tokens are fed instead (teacher forcing).
    /// </summary>
    public static Continuation Greedy(string model, string prompt, int maxNewTokens, string? lora = null, IReadOnlyList<int>? forced = null)
    {
        // One thread: llama.cpp's threads spin while they wait for each other, which on a busy machine costs up to a second a token.
        var arguments = new List<string> { Path.Combine(Folder.Path, "greedy.mjs"), model, prompt, maxNewTokens.ToString(), "--threads", "1" };
        if (lora is not null) arguments.AddRange(["--lora", lora]);
        if (forced is not null) arguments.AddRange(["--forced", string.Join(",", forced)]);
        using var process = Process.Start(Folder.Node(arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"greedy.mjs did not finish in 3 minutes: {error.Result}");
        }
        Assert.True(process.ExitCode == 0, $"greedy.mjs failed ({process.ExitCode}): {error.Result}{output.Result}");
        var json = JsonDocument.Parse(output.Result).RootElement;
        int[] Ids(string name) => json.TryGetProperty(name, out var ids) ? ids.EnumerateArray().Select(token => token.GetInt32()).ToArray() : [];
        return new Continuation(Ids("promptTokens"), Ids("tokens"), Ids("forcedChoices"));
    }
}
