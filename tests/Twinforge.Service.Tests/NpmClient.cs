using System.Diagnostics;
using System.Text.Json;
using Twinforge.Tests.Shared;

namespace Twinforge.Service.Tests;

/// <summary>
/// The official npm client (<c>openai</c>, pinned in tests/npm-client, installed there by scripts/setup.sh) running
/// one of that folder's scripts against a service listening on a real port. Without Node.js or the installed client
/// the test is skipped, saying how to get them — except in CI (CI=true), where that is a failure.
/// </summary>
static class NpmClient
{
    static readonly NodePackageFolder Folder = new("npm-client", "openai");

    public static void RequireInstalled() => Folder.RequireInstalled();

    /// <summary>Runs <paramref name="script"/> with node and <paramref name="environment"/>; its one line of JSON output, parsed.</summary>
    public static async Task<JsonElement> Run(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = Folder.Node([Path.Combine(Folder.Path, script)]);
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
}
