using System.Diagnostics;
using System.Text.Json;

namespace Twinforge.Service.Tests;

/// <summary>
/// The official npm client (<c>openai</c>, pinned in tests/npm-client, installed there by scripts/setup.sh) running
/// one of that folder's scripts against a service listening on a real port. Without Node.js or the installed client
/// the test is skipped, saying how to get them — except in CI (CI=true), where that is a failure.
/// </summary>
static class NpmClient
{
    static string Folder { get; } = Path.Combine(RepositoryRoot(), "tests", "npm-client");

    public static void RequireInstalled()
    {
        var installed = File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json")) && OnPath("node");
        if (installed) return;
        const string why = "the npm openai client is not installed in tests/npm-client (scripts/setup.sh installs it with npm)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true but {why}");
        Skip.If(true, why);
    }

    /// <summary>Runs <paramref name="script"/> with node and <paramref name="environment"/>; its one line of JSON output, parsed.</summary>
    public static async Task<JsonElement> Run(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, script)])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Folder,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish in {timeout}: {await error}");
        }
        Assert.True(process.ExitCode == 0, $"{script} failed ({process.ExitCode}): {await error}{await output}");
        return JsonDocument.Parse(await output).RootElement.Clone();
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
