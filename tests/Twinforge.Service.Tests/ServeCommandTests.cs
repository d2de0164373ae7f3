using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Twinforge.Service.Tests;

/// <summary><c>twinforge serve</c> as a real process: it listens, answers, makes and prints an admin key once, and stops.</summary>
public sealed partial class ServeCommandTests : IDisposable
{
    readonly string dataDirectory = Directory.CreateTempSubdirectory("twinforge-serve-test-").FullName;

    [Fact]
    public async Task Serve_listens_where_told_prints_its_admin_key_once_and_stops_on_request()
    {
        using var serve = Start("serve", "--port", "0", "--data-dir", dataDirectory);
        var lines = new List<string>();
        string? address = null, adminKey = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((address is null || adminKey is null) && DateTime.UtcNow < deadline && await serve.StandardOutput.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (ServingOn().Match(line) is { Success: true } serving) address = serving.Groups[1].Value;
            if (AdminKeyLine().Match(line) is { Success: true } key) adminKey = key.Groups[1].Value;
        }
        Assert.True(address is not null && adminKey is not null, "serve printed:\n" + string.Join("\n", lines));

        using var http = new HttpClient { BaseAddress = new Uri(address!) };
        Assert.Equal("alive", (await http.GetFromJsonAsync<Dictionary<string, string>>("/healthz"))!["status"]);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        var created = await http.PostAsJsonAsync("/admin/organizations", new { name = "Acme" });
        Assert.Equal(201, (int)created.StatusCode);

        serve.Kill(entireProcessTree: true); // stopped; a second start finds the recorded admin key and prints none
        await serve.WaitForExitAsync();
        using var again = Start("serve", "--port", "0", "--data-dir", dataDirectory);
        string? secondAddress = null;
        var printedKey = false;
        while (secondAddress is null && await again.StandardOutput.ReadLineAsync() is { } line)
        {
            printedKey |= AdminKeyLine().IsMatch(line);
            if (ServingOn().Match(line) is { Success: true } serving) secondAddress = serving.Groups[1].Value;
        }
        Assert.NotNull(secondAddress);
        Assert.False(printedKey);
        again.Kill(entireProcessTree: true);
        await again.WaitForExitAsync();
    }

    // SIGTERM, not SIGINT: a process started in the background of a non-interactive shell (as CI may start the tests)
    // inherits SIGINT ignored, and no handler of its own sees it then.
    [Theory]
    [InlineData("TERM")]
    [InlineData("TERM", "TERM")] // a second signal while stopping ends it at once; System.CommandLine's handler crashed on it
    public async Task A_signal_stops_serve_saying_so_and_a_second_one_ends_it_without_a_crash(params string[] signals)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var serve = Start(["serve", "--port", "0", "--data-dir", dataDirectory], errors.Enqueue);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && await serve.StandardOutput.ReadLineAsync() is { } line && !ServingOn().IsMatch(line)) { }
        foreach (var signal in signals) await Process.Start("kill", $"-{signal} {serve.Id}")!.WaitForExitAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await serve.WaitForExitAsync(timeout.Token);
        var stderr = string.Join("\n", errors);
        Assert.Contains("stopping at the next safe point", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    /// <summary>The CLI built beside this test (a project reference), run with dotnet, without an admin key in its environment.</summary>
    static Process Start(params string[] arguments) => Start(arguments, _ => { });

    static Process Start(string[] arguments, Action<string> onErrorLine)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twinforge.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("TWINFORGE_ADMIN_KEY");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, line) => { if (line.Data is { } text) onErrorLine(text); }; // drained, so a chatty log cannot block the server
        process.BeginErrorReadLine();
        return process;
    }

    [GeneratedRegex(@"serving on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingOn();

    [GeneratedRegex(@"admin key, shown this once.*: (tf-\S+)")]
    private static partial Regex AdminKeyLine();

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);
}
