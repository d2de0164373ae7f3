using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench.Serving;

/// <summary>
/// The sizes of one serving run: GPT-2 124M with rank-16 adapters on every block projection (c_attn, c_proj, c_fc),
/// or (quick) a tiny GPT-2 so a test runs every code path in seconds.
/// </summary>
public sealed record ServingPlan
{
    public required string ModelName { get; init; }
    public required TransformerConfig Model { get; init; }

    /// <summary>The base's weights, and the dtype the adapters are held and the products run in.</summary>
    public required ScalarType DType { get; init; }

    public required int Rank { get; init; }

    /// <summary>Concurrent streams of the throughput figures (one twin each, one twin for all, or the bare base).</summary>
    public required int Streams { get; init; }

    public required int PromptTokens { get; init; }
    public required int NewTokens { get; init; }

    /// <summary>Twins the Poisson run draws from, each with its own adapter on disk.</summary>
    public required int Twins { get; init; }

    /// <summary>Requests of the Poisson run, arriving at <see cref="ArrivalsPerSecond"/> on average.</summary>
    public required int Requests { get; init; }
    public required double ArrivalsPerSecond { get; init; }
    public required int LatencyNewTokens { get; init; }

    /// <summary>The adapter cache's bound in the Poisson run, in adapters: fewer than <see cref="Twins"/>, so twins are evicted and loaded again.</summary>
    public required int CachedTwins { get; init; }

    /// <summary>Adapters loaded to measure memory per twin and cold-load time.</summary>
    public required int MeasuredLoads { get; init; }

    /// <summary>Timed runs of each throughput figure; the median is reported.</summary>
    public required int Repeats { get; init; }

    /// <summary>Also time llama.cpp's single stream on the same weights, exported to GGUF (needs tests/llama-cpp installed).</summary>
    public bool LlamaCpp { get; init; }

    /// <summary>A native llama-bench to time as well (scripts/llama-bench.sh builds one), or null.</summary>
    public string? LlamaBench { get; init; }

    public bool Quick => ModelName == Bench.BenchPlan.Gpt2Tiny;

    public static ServingPlan Full(ScalarType dtype) => new()
    {
        ModelName = Bench.BenchPlan.Gpt2Small,
        Model = Bench.BenchPlan.ModelFor(Bench.BenchPlan.Gpt2Small),
        DType = dtype,
        Rank = 16,
        Streams = 16,
        PromptTokens = 64,
        NewTokens = 128,
        Twins = 64,
        Requests = 96,
        ArrivalsPerSecond = 3,
        LatencyNewTokens = 32,
        CachedTwins = 32,
        MeasuredLoads = 16,
        Repeats = 3,
    };

    public static ServingPlan QuickCheck(ScalarType dtype) => new()
    {
        ModelName = Bench.BenchPlan.Gpt2Tiny,
        Model = Bench.BenchPlan.ModelFor(Bench.BenchPlan.Gpt2Tiny),
        DType = dtype,
        Rank = 4,
        Streams = 4,
        PromptTokens = 8,
        NewTokens = 8,
        Twins = 8,
        Requests = 12,
        ArrivalsPerSecond = 40,
        LatencyNewTokens = 6,
        CachedTwins = 4,
        MeasuredLoads = 4,
        Repeats = 1,
    };
}
