using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>
/// <c>twinforge-bench service-load</c>: a bounded load test of the service on loopback. Many clients for a fixed time,
/// each cycling through what products do most — read a fine-tuning job, page its events, follow its event stream,
/// ask its twin a question whole and streamed — against the real service with its in-process worker and a tiny twin.
/// Prints the machine, every operation's count, errors and p50/p99 latency, the throughput, and resident memory after
/// the warm-up and at the end (growth under steady load is a leak); the figures as JSON with --json. Any error fails
/// the command.
/// </summary>
static class ServiceLoadBenchmark
{
    public const string Command = "service-load";
    public const string Usage = "service-load [--clients 50] [--seconds 30] [--json FILE]   (the service under load on loopback, a tiny twin)";

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
        if (json is not null) File.WriteAllText(json, result.ToJson());
        return result.Errors == 0 ? 0 : 1;
    }

    static int PositiveInteger(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} must be a positive integer, got '{text}'");

    /// <summary>
    /// Starts the service, lets <paramref name="clients"/> clients make requests for <paramref name="duration"/>
    /// (waiting for those in flight at the end), and measures. The first fifth is the warm-up (the model loaded, the
    /// code compiled, the pools grown): memory growth is counted from its end. Every request counts in the latencies.
    /// </summary>
    public static async Task<ServiceLoadResult> RunAsync(int clients, TimeSpan duration, TextWriter log)
    {
        double loadBefore = MachineInfo.LoadAverage();
        if (MachineInfo.ContentionWarning(loadBefore) is { } warning) log.WriteLine(warning);
        var machine = MachineInfo.Current();
        await using var service = await ServiceUnderLoad.StartAsync(log);
        var operations = LoadOperations.All;
        var latencies = operations.ToDictionary(operation => operation.Name, _ => new ConcurrentQueue<double>());
        var errors = new ConcurrentDictionary<string, int>();
        var firstErrors = new ConcurrentQueue<string>();
        var warmUp = TimeSpan.FromTicks(duration.Ticks / 5);
        var clock = Stopwatch.StartNew();

        async Task Client(int index)
        {
            // Each client starts at another operation, so that all of them run from the first second.
            for (int turn = index; clock.Elapsed < duration; turn++)
            {
                var operation = operations[turn % operations.Count];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation.Run(service);
                    latencies[operation.Name].Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception error)
                {
                    // Whatever went wrong (a status, a broken stream, a wrong body, a time-out) is the request's error.
                    errors.AddOrUpdate(operation.Name, 1, (_, count) => count + 1);
                    if (firstErrors.Count < 5) firstErrors.Enqueue($"{operation.Name}: {error.GetType().Name}: {error.Message}");
                }
            }
        }

        using var sampling = new CancellationTokenSource();
        var samples = new ConcurrentQueue<MemorySample>();
        MemorySample? afterWarmUp = null;
        var sampler = Task.Run(async () =>
        {
            using var second = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await second.WaitForNextTickAsync(sampling.Token))
                {
                    var sample = MemorySample.Take(clock);
                    samples.Enqueue(sample);
                    // Judged by the sample's own time: the clock read again here may have passed the warm-up just after it.
                    if (afterWarmUp is null && sample.Seconds >= warmUp.TotalSeconds) afterWarmUp = sample;
                }
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        });

        await Task.WhenAll(Enumerable.Range(0, clients).Select(index => Task.Run(() => Client(index))));
        var elapsed = clock.Elapsed;
        var atEnd = MemorySample.Take(clock);
        await sampling.CancelAsync();
        await sampler;
        return new ServiceLoadResult(
            machine, loadBefore, MachineInfo.LoadAverage(), GitCommit.Describe() ?? "unknown", DateTimeOffset.UtcNow,
            clients, duration.TotalSeconds, elapsed.TotalSeconds, warmUp.TotalSeconds,
            service.Limits, ServiceUnderLoad.ChangedSettings,
            [.. operations.Select(operation => OperationFigures.Of(operation.Name, latencies[operation.Name], errors.GetValueOrDefault(operation.Name)))],
            afterWarmUp ?? samples.FirstOrDefault() ?? atEnd, atEnd, [.. samples],
            [.. firstErrors]);
    }
}
