using System.Diagnostics;
using System.Text.Json;

namespace Twinforge.Engine.Tests.Gguf;

/// <summary>
/// Real llama.cpp: node-llama-cpp (pinned in tests/llama-cpp, with its prebuilt linux-x64 CPU binary; installed there by
/// scripts/setup.sh) running tests/llama-cpp/greedy.mjs on a GGUF file. Without Node.js or the installed package the
/// test is skipped, saying how to get them — except in CI (CI=true), where that is a failure.
/// </summary>
static class LlamaCpp
{
    static string Folder { get; } = Path.Combine(RepositoryRoot(), "tests", "llama-cpp");

    public static void RequireInstalled()
    {
        var installed = File.Exists(Path.Combine(Folder, "node_modules", "node-llama-cpp", "package.json")) && OnPath("node");
        if (installed) return;
        const string why = "node-llama-cpp is not installed in tests/llama-cpp (scripts/setup.sh installs it with npm)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true but {why}");
        Skip.If(true, why);
    }

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
        var arguments = new List<string> { Path.Combine(Folder, "greedy.mjs"), model, prompt, maxNewTokens.ToString() };
        if (lora is not null) arguments.AddRange(["--lora", lora]);
        if (forced is not null) arguments.AddRange(["--forced", string.Join(",", forced)]);
        var start = new ProcessStartInfo("node", arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Folder,
        };
        using var process = Process.Start(start)!;
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

    static bool OnPath(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, program)));

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Twinforge.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException("the repository root (Twinforge.slnx) is not above the test assembly");
    }
}
