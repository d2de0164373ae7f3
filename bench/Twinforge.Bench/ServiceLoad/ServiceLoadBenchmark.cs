using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>
/// <c>twinforge-bench service-load</c>: a bounded load test of the service on loopback. Many clients for a fixed time,
/// each cycling through what products do most — read a fine-tuning job, page its events, follow its event stream,
/// ask its twin a question whole and streamed — against the real service with its in-process worker and a tiny twin.
/// Prints every operation's count, errors and p50/p99 latency, the throughput, and resident memory after the warm-up
/// and at the end (growth under steady load is a leak); the figures as JSON with --json.
/// </summary>
static class ServiceLoadBenchmark
{
    public const string Command = "service-load";
    public const string Usage = "service-load [--clients 50] [--seconds 30] [--json FILE]   (the service under load on loopback, a tiny twin)";

    sealed record Operation(string Name, Func<ServiceUnderLoad, Task> Run);

    static readonly Operation[] Operations =
    [
        new("job", async service => await Success(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}"))),
        new("events page", async service => await Success(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}/events?limit=20"))),
        new("event stream", async service => await Success(service.Client.GetAsync($"/v1/fine_tuning/jobs/{service.JobId}/events?stream=true"))),
        new("completion", async service => await Success(service.Client.PostAsJsonAsync("/v1/chat/completions", Question(service, stream: false)))),
        new("streamed completion", async service => await Success(service.Client.PostAsJsonAsync("/v1/chat/completions", Question(service, stream: true)))),
    ];

    static object Question(ServiceUnderLoad service, bool stream) => new
    {
        model = service.FineTunedModel, messages = new[] { new { role = "user", content = "Question 3 for ana?" } }, max_tokens = 8, temperature = 0, stream,
    };

    /// <summary>Reads the whole body (a stream to its end) and throws on an unsuccessful status.</summary>
    static async Task Success(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 200)]}");
    }

    public static int RunCommand(string[] args, TextWriter output)
    {
        int clients = 50, seconds = 30;
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--clients": clients = PositiveInteger("--clients", Value()); break;
                case "--seconds": seconds = PositiveInteger("--seconds", Value()); break;
                case "--json": json = Value(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; usage: twinforge-bench {Usage}");
            }
        }
        var result = RunAsync(clients, TimeSpan.FromSeconds(seconds), output).GetAwaiter().GetResult();
        output.Write(result.Table());
        if (json is not null) File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return result.Errors == 0 ? 0 : 1;
    }

    static int PositiveInteger(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} must be a positive integer, got '{text}'");

    public static async Task<ServiceLoadResult> RunAsync(int clients, TimeSpan duration, TextWriter log)
    {
        await using var service = await ServiceUnderLoad.StartAsync(log);
        var latencies = Operations.ToDictionary(operation => operation.Name, _ => new ConcurrentBag<double>());
        var errors = new ConcurrentDictionary<string, int>();
        var firstErrors = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var warmUp = TimeSpan.FromTicks(duration.Ticks / 5);
        long residentAfterWarmUp = 0;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(warmUp);
            residentAfterWarmUp = ProcessMemory.ResidentBytes();
        });

        async Task Client(int index)
        {
            for (int turn = index; clock.Elapsed < duration; turn++)
            {
                var operation = Operations[turn % Operations.Length];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation.Run(service);
                    latencies[operation.Name].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
                {
                    errors.AddOrUpdate(operation.Name, 1, (_, count) => count + 1);
                    if (firstErrors.Count < 5) firstErrors.Enqueue($"{operation.Name}: {error.Message}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(index => Task.Run(() => Client(index))));
        var elapsed = clock.Elapsed;
        await sampler;
        var residentAtEnd = ProcessMemory.ResidentBytes();
        return new ServiceLoadResult(
            MachineInfo.Current().CpuModel, Environment.ProcessorCount, GitCommit.Describe() ?? "unknown", DateTimeOffset.UtcNow,
            clients, elapsed.TotalSeconds, [.. ServiceUnderLoad.RaisedLimits],
            [.. Operations.Select(operation => OperationFigures.Of(operation.Name, [.. latencies[operation.Name]], errors.GetValueOrDefault(operation.Name)))],
            residentAfterWarmUp, residentAtEnd, [.. firstErrors]);
    }
}
