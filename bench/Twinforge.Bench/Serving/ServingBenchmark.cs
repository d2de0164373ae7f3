using System.Diagnostics;
using System.Numerics;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Serving;
using static TorchSharp.torch;

namespace Twinforge.Bench.Serving;

/// <summary>
/// <c>twinforge-bench serving</c>: many twins on one base through <see cref="ContinuousBatcher"/> and
/// <see cref="AdapterCache"/> — GPT-2 124M (random weights) with rank-16 adapters saved as PEFT directories.
/// <list type="bullet">
/// <item>Memory per loaded twin: the C heap's in-use growth over <see cref="ServingPlan.MeasuredLoads"/> loads, beside
/// the adapter's tensor bytes; how many twins fit in 8 GB beside the process as it is with the base loaded.</item>
/// <item>Cold load: the median time of one <see cref="AdapterCache.Acquire"/> miss (files in the OS page cache).</item>
/// <item>Aggregate tokens/s of <see cref="ServingPlan.Streams"/> streams submitted at once: one twin each, all to one
/// twin, and on the bare base; all new tokens over the time from submission to the last token (prompts included).</item>
/// <item>Latency under Poisson arrivals: <see cref="ServingPlan.Requests"/> requests at exponential intervals, each
/// for a uniformly drawn twin of <see cref="ServingPlan.Twins"/> through a cache bounded to
/// <see cref="ServingPlan.CachedTwins"/> adapters (so twins are evicted and cold-loaded, on the arriving thread, inside
/// their time to first token), at most <see cref="ServingPlan.Streams"/> running (the rest queue). TTFT is from the
/// scheduled arrival to the first token at the reader; per-token latency is the gap between a stream's tokens.</item>
/// <item>Single stream: bare-base decoding tokens/s through the batcher × the weight bytes one token reads (every
/// projection and the head in the compute dtype), beside the rate two threads sum a buffer far larger than the caches;
/// with <see cref="ServingPlan.LlamaCpp"/>, llama.cpp's single stream on the same weights (<see cref="LlamaCppDecode"/>).</item>
/// </list>
/// </summary>
public static class ServingBenchmark
{
    public const string Command = "serving";
    public const string Usage = "serving [--quick] [--fp32] [--repeats N] [--new-tokens N] [--llama-cpp [--llama-bench PATH]] [--json PATH]   (many twins on one base: memory per twin, streams to distinct twins vs one twin vs the base, Poisson latency, cold loads; --llama-cpp: llama.cpp's single stream on the same weights; --llama-bench: also a native llama-bench's, from scripts/llama-bench.sh)";

    public static int RunCommand(string[] args, TextWriter output)
    {
        bool quick = false;
        var dtype = ScalarType.BFloat16;
        string? json = null;
        int? repeats = null, newTokens = null;
        bool llamaCpp = false;
        string? llamaBench = null;
        int Count(int i) => i < args.Length && int.TryParse(args[i], out var n) && n >= 1 ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least 1");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--fp32": dtype = ScalarType.Float32; break;
                case "--repeats": repeats = Count(++i); break;
                case "--new-tokens": newTokens = Count(++i); break;
                case "--llama-cpp": llamaCpp = true; break;
                case "--llama-bench" when i + 1 < args.Length: llamaCpp = true; llamaBench = args[++i]; break;
                case "--json" when i + 1 < args.Length: json = args[++i]; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; usage: twinforge-bench {Usage}");
            }
        }
        var plan = quick ? ServingPlan.QuickCheck(dtype) : ServingPlan.Full(dtype);
        plan = plan with { Repeats = repeats ?? plan.Repeats, NewTokens = newTokens ?? plan.NewTokens, LlamaCpp = llamaCpp, LlamaBench = llamaBench };
        var measurement = Measure(plan, output);
        if (json is not null)
        {
            File.WriteAllText(json, measurement.ToJson());
            output.WriteLine($"figures written to {json}");
        }
        return 0;
    }

    public static ServingMeasurement Measure(ServingPlan plan, TextWriter output)
    {
        double loadBefore = MachineInfo.LoadAverage();
        var machine = MachineInfo.Current();
        output.WriteLine($"machine: {machine.CpuModel}, {machine.LogicalCores} cores, {machine.MemoryBytes / 1e9:F1} GB, torch threads {machine.TorchThreads}, load average {loadBefore:F2}");
        if (loadBefore > 0.5) output.WriteLine($"warning: load average {loadBefore:F2}: other work is running and the figures will be low");
        output.WriteLine($"serving: {plan.ModelName} {Precision.Name(plan.DType)}, rank-{plan.Rank} adapters, {plan.Streams} streams, {plan.PromptTokens}-token prompts");

        var config = plan.Model with { EosTokenIds = [] }; // random weights: never stop early
        using var model = new CausalLanguageModel(config, plan.DType);
        model.InitializeWeights(seed: 1);
        model.eval();
        using var files = new TwinAdapterFiles(model, plan.Twins, plan.Rank);
        AdapterWeights Load(string twin) => AdapterWeights.Load(model, files.DirectoryOf(twin), plan.DType);
        var random = new Random(3);
        List<int> Prompt() => Enumerable.Range(0, plan.PromptTokens).Select(_ => random.Next(config.VocabularySize)).ToList();

        using var batcher = new ContinuousBatcher(model, new BatcherOptions { MaxStreams = plan.Streams });
        Run(batcher, [Request(null, Prompt())], maxNewTokens: 4); // makes the inference session's copies
        long baseResident = ProcessMemory.ResidentBytes();

        // Memory and cold loads: an unbounded cache, kept for the throughput runs.
        using var cache = new AdapterCache(long.MaxValue, Load);
        GC.Collect(); // once, before measuring: the heap figures then count the adapters, not garbage left by the warm-up
        long heapBefore = ProcessMemory.HeapBytesInUse(), residentBefore = ProcessMemory.ResidentBytes();
        var loadMs = new List<double>();
        for (int twin = 0; twin < plan.MeasuredLoads; twin++)
        {
            var watch = Stopwatch.StartNew();
            cache.Acquire(TwinAdapterFiles.Name(twin)).Dispose();
            loadMs.Add(watch.Elapsed.TotalMilliseconds);
        }
        double heapPerTwin = (ProcessMemory.HeapBytesInUse() - heapBefore) / (double)plan.MeasuredLoads;
        double residentPerTwin = (ProcessMemory.ResidentBytes() - residentBefore) / (double)plan.MeasuredLoads;
        long adapterBytes = cache.Bytes / plan.MeasuredLoads;
        output.WriteLine($"  one adapter {adapterBytes / 1e6:F2} MB; heap per loaded twin {heapPerTwin / 1e6:F2} MB; cold load {Median.Of(loadMs):F1} ms");

        // Throughput: the three cases alternate within each repeat, so drift of the machine touches them alike.
        string TwinOf(int stream) => TwinAdapterFiles.Name(stream % plan.MeasuredLoads);
        var prompts = Enumerable.Range(0, plan.Streams).Select(_ => Prompt()).ToList();
        double Throughput(Func<int, string?> twinOfStream)
        {
            var times = Run(batcher, prompts.Select((prompt, stream) => Request(twinOfStream(stream) is { } twin ? cache.Acquire(twin) : null, prompt)).ToList(),
                plan.NewTokens);
            return times.Sum(stream => stream.Tokens.Count) / Stopwatch.GetElapsedTime(times.Min(stream => stream.Arrived), times.Max(stream => stream.Tokens[^1])).TotalSeconds;
        }
        Throughput(stream => TwinOf(stream)); // warm-up
        output.WriteLine("  throughput warm-up done");
        var distinct = new List<double>();
        var oneTwin = new List<double>();
        var bare = new List<double>();
        for (int repeat = 0; repeat < plan.Repeats; repeat++)
        {
            distinct.Add(Throughput(stream => TwinOf(stream)));
            oneTwin.Add(Throughput(_ => TwinOf(0)));
            bare.Add(Throughput(_ => null));
            output.WriteLine($"    repeat {repeat + 1}: distinct twins {distinct[^1]:F1} tok/s, one twin {oneTwin[^1]:F1}, bare base {bare[^1]:F1}");
        }
        output.WriteLine($"  {plan.Streams} streams: distinct twins {Median.Of(distinct):F1} tok/s, one twin {Median.Of(oneTwin):F1}, bare base {Median.Of(bare):F1}");

        // Single stream on the bare base, and the weight bytes each decoded token reads.
        var single = new List<double>();
        for (int repeat = 0; repeat < plan.Repeats; repeat++)
        {
            var times = Run(batcher, [Request(null, prompts[0])], plan.NewTokens)[0];
            single.Add((times.Tokens.Count - 1) / Stopwatch.GetElapsedTime(times.Tokens[0], times.Tokens[^1]).TotalSeconds);
        }
        long weightBytes = WeightBytesPerToken(model, plan.DType);
        cache.Dispose();
        var llamaCpp = plan.LlamaCpp ? LlamaCppDecode.TokensPerSecond(model, prompts[0], plan.NewTokens, plan.DType, plan.Repeats, plan.LlamaBench, output) : null;

        // Poisson arrivals over many twins through a bounded cache. A failed request fails the run (its task throws), so a
        // finished run completed every request. Memory: the C heap in use before and after, the cache's adapters disposed;
        // the same run (same seed) is made twice, so growth the first run leaves behind (the allocator's high-water marks
        // after the first loads and evictions) is told apart from growth every run leaves (a leak).
        (StreamTimes[] Streams, int ColdLoads, double TokensPerSecond, long HeapGrowth) PoissonRun()
        {
            long heapBefore = ProcessMemory.HeapBytesInUse();
            using var bounded = new AdapterCache(plan.CachedTwins * adapterBytes, Load);
            var arrivals = new Random(7);
            var following = new List<Task<StreamTimes>>();
            long start = Stopwatch.GetTimestamp();
            double arrival = 0;
            for (int request = 0; request < plan.Requests; request++)
            {
                arrival += -Math.Log(1 - arrivals.NextDouble()) / plan.ArrivalsPerSecond;
                var due = start + (long)(arrival * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < due) Thread.Sleep(Math.Max(0, (int)((due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency)));
                var lease = bounded.Acquire(TwinAdapterFiles.Name(arrivals.Next(plan.Twins)));
                var stream = batcher.Submit(Prompt(), new GenerationOptions { MaxNewTokens = plan.LatencyNewTokens }, lease);
                following.Add(StreamTimes.Follow(stream, due));
            }
            var streams = Task.WhenAll(following).GetAwaiter().GetResult();
            double rate = streams.Sum(stream => stream.Tokens.Count) / Stopwatch.GetElapsedTime(start, streams.Max(stream => stream.Tokens[^1])).TotalSeconds;
            int loads = bounded.Loads;
            bounded.Dispose();
            return (streams, loads, rate, ProcessMemory.HeapBytesInUse() - heapBefore);
        }
        var (poisson, coldLoads, poissonRate, poissonHeapGrowth) = PoissonRun();
        long secondPoissonHeapGrowth = PoissonRun().HeapGrowth;
        output.WriteLine($"  Poisson runs: C heap {poissonHeapGrowth / 1e6:+0.0;-0.0} MB after the first, {secondPoissonHeapGrowth / 1e6:+0.0;-0.0} MB after the second");
        var firstTokens = poisson.Select(stream => stream.TimeToFirstTokenMs).ToList();
        var gaps = poisson.SelectMany(stream => stream.TokenGapsMs).ToList();

        var measurement = new ServingMeasurement
        {
            Date = DateTimeOffset.UtcNow,
            GitCommit = GitCommit.Describe(),
            Model = plan.ModelName,
            Precision = Precision.Name(plan.DType),
            Rank = plan.Rank,
            Quick = plan.Quick,
            Machine = machine,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineInfo.LoadAverage(),
            AdapterBytes = adapterBytes,
            HeapBytesPerTwin = heapPerTwin,
            ResidentBytesPerTwin = residentPerTwin,
            BaseResidentBytes = baseResident,
            TwinsIn8GB = (long)Math.Floor((8e9 - baseResident) / Math.Max(heapPerTwin, adapterBytes)),
            ColdLoadMilliseconds = Median.Of(loadMs),
            Streams = plan.Streams,
            PromptTokens = plan.PromptTokens,
            NewTokens = plan.NewTokens,
            DistinctTwinsTokensPerSecond = Median.Of(distinct),
            OneTwinTokensPerSecond = Median.Of(oneTwin),
            BareBaseTokensPerSecond = Median.Of(bare),
            Twins = plan.Twins,
            Requests = plan.Requests,
            ArrivalsPerSecond = plan.ArrivalsPerSecond,
            CachedTwins = plan.CachedTwins,
            ColdLoads = coldLoads,
            PoissonCompleted = poisson.Length,
            PoissonHeapGrowthBytes = poissonHeapGrowth,
            SecondPoissonHeapGrowthBytes = secondPoissonHeapGrowth,
            TimeToFirstTokenP50Milliseconds = StreamTimes.Percentile(firstTokens, 50),
            TimeToFirstTokenP99Milliseconds = StreamTimes.Percentile(firstTokens, 99),
            PerTokenP50Milliseconds = StreamTimes.Percentile(gaps, 50),
            PerTokenP99Milliseconds = StreamTimes.Percentile(gaps, 99),
            PoissonTokensPerSecond = poissonRate,
            SingleStreamTokensPerSecond = Median.Of(single),
            LlamaCppSingleStreamTokensPerSecond = llamaCpp?.NodeLlamaCpp,
            LlamaBenchSingleStreamTokensPerSecond = llamaCpp?.LlamaBench,
            WeightBytesPerToken = weightBytes,
            MemoryReadBytesPerSecond = MemoryReadRate(plan.Quick ? 32 << 20 : 512 << 20),
        };
        output.WriteLine();
        Write(measurement, output);
        return measurement;
    }

    sealed record PendingRequest(AdapterLease? Lease, List<int> Prompt);

    static PendingRequest Request(AdapterLease? lease, List<int> prompt) => new(lease, prompt);

    /// <summary>Submits every request at once and follows each to its end.</summary>
    static StreamTimes[] Run(ContinuousBatcher batcher, IReadOnlyList<PendingRequest> requests, int maxNewTokens)
    {
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens };
        var following = requests.Select(request =>
        {
            long submitted = Stopwatch.GetTimestamp();
            return StreamTimes.Follow(batcher.Submit(request.Prompt, options, request.Lease), submitted);
        }).ToList();
        return Task.WhenAll(following).GetAwaiter().GetResult();
    }

    /// <summary>Bytes of the weights one decoded token reads: every projection's weight and bias, and a tied head.</summary>
    static long WeightBytesPerToken(CausalLanguageModel model, ScalarType dtype)
    {
        long elements = model.NamedProjections().Sum(entry => entry.Projection.weight.numel() + (entry.Projection.bias?.numel() ?? 0));
        if (model.Config.TieWordEmbeddings) elements += model.TokenEmbedding.weight.numel();
        return elements * (dtype == ScalarType.Float32 ? 4 : 2);
    }

    /// <summary>The best of five two-thread SIMD sums over a buffer of <paramref name="bytes"/>: what the machine reads memory at.</summary>
    static unsafe double MemoryReadRate(long bytes)
    {
        using var buffer = ones([bytes / sizeof(float)], ScalarType.Float32);
        var best = double.MaxValue;
        fixed (byte* start = buffer.bytes)
        {
            var vectors = (Vector<float>*)start;
            long count = bytes / Vector<byte>.Count, half = count / 2;
            for (int repeat = 0; repeat < 5; repeat++)
            {
                var watch = Stopwatch.StartNew();
                Parallel.For(0, 2, part =>
                {
                    Vector<float> a = default, b = default;
                    for (long i = part * half; i + 1 < (part + 1) * half; i += 2) { a += vectors[i]; b += vectors[i + 1]; }
                    GC.KeepAlive(a + b);
                });
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
            }
        }
        return bytes / best;
    }

    static void Write(ServingMeasurement m, TextWriter output)
    {
        output.WriteLine($"| figure ({m.Model} {m.Precision}, rank-{m.Rank} adapters) | value |");
        output.WriteLine("| --- | --- |");
        output.WriteLine($"| adapter tensor bytes per twin | {m.AdapterBytes / 1e6:F2} MB |");
        output.WriteLine($"| heap per additional loaded twin (target ≤ adapter + 10%) | {m.HeapBytesPerTwin / 1e6:F2} MB ({m.HeapBytesPerTwin / m.AdapterBytes - 1:+0.0%;-0.0%}) |");
        output.WriteLine($"| resident growth per loaded twin | {m.ResidentBytesPerTwin / 1e6:F2} MB |");
        output.WriteLine($"| process with the base loaded | {m.BaseResidentBytes / 1e9:F2} GB resident |");
        output.WriteLine($"| twins that fit in 8 GB beside it | {m.TwinsIn8GB:N0} |");
        output.WriteLine($"| adapter cold load (median) | {m.ColdLoadMilliseconds:F1} ms |");
        output.WriteLine($"| {m.Streams} streams to {m.Streams} twins | {m.DistinctTwinsTokensPerSecond:F1} tok/s |");
        output.WriteLine($"| {m.Streams} streams to one twin | {m.OneTwinTokensPerSecond:F1} tok/s (distinct / one: {m.DistinctOverOneTwin:F2}, target ≥ 0.8) |");
        output.WriteLine($"| {m.Streams} streams on the bare base | {m.BareBaseTokensPerSecond:F1} tok/s (distinct / bare: {m.DistinctOverBareBase:F2}, target ≥ 0.7) |");
        output.WriteLine($"| Poisson, {m.Requests} requests at {m.ArrivalsPerSecond:G3}/s over {m.Twins} twins, cache of {m.CachedTwins} ({m.ColdLoads} cold loads) | TTFT p50 {m.TimeToFirstTokenP50Milliseconds:F0} ms, p99 {m.TimeToFirstTokenP99Milliseconds:F0} ms; per token p50 {m.PerTokenP50Milliseconds:F1} ms, p99 {m.PerTokenP99Milliseconds:F1} ms; {m.PoissonTokensPerSecond:F1} tok/s; {m.PoissonCompleted} of {m.Requests} completed, C heap {m.PoissonHeapGrowthBytes / 1e6:+0.0;-0.0} MB after the run, {m.SecondPoissonHeapGrowthBytes / 1e6:+0.0;-0.0} MB after the same run again |");
        output.WriteLine($"| single stream (bare base) | {m.SingleStreamTokensPerSecond:F1} tok/s × {m.WeightBytesPerToken / 1e6:F0} MB = {m.WeightBytesReadPerSecond / 1e9:F1} GB/s of weights, machine reads {m.MemoryReadBytesPerSecond / 1e9:F1} GB/s |");
        if (m.LlamaCppSingleStreamTokensPerSecond is double llama)
            output.WriteLine($"| llama.cpp single stream, same weights (node-llama-cpp) | {llama:F1} tok/s = {llama * m.WeightBytesPerToken / 1e9:F1} GB/s of weights (Twinforge / llama.cpp: {m.SingleStreamTokensPerSecond / llama:F2}) |");
        if (m.LlamaBenchSingleStreamTokensPerSecond is double native)
            output.WriteLine($"| llama.cpp single stream, same weights (native llama-bench) | {native:F1} tok/s = {native * m.WeightBytesPerToken / 1e9:F1} GB/s of weights (Twinforge / llama.cpp: {m.SingleStreamTokensPerSecond / native:F2}) |");
    }
}
