using System.Diagnostics;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// Greedy generation speed of the plan's model with float32 weights and with bfloat16 weights (inference needs no
/// float32 master copy, so bf16 here halves the weight bytes every decoded token reads): prompt processing,
/// single-stream decoding with <see cref="TokenGenerator"/>, and <see cref="BenchPlan.ConcurrentStreams"/> streams
/// decoded together with <see cref="BatchTokenGenerator"/>. Each figure is the median of the plan's repeats after one
/// untimed warm-up run.
/// </summary>
public static class GenerationBenchmark
{
    public static IReadOnlyList<GenerationMeasurement> Measure(BenchPlan plan, TextWriter output)
    {
        var config = plan.Model with { EosTokenIds = [] }; // random weights: never stop early
        var random = new Random(3);
        var prompts = Enumerable.Range(0, plan.ConcurrentStreams)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, plan.PromptTokens).Select(_ => random.Next(config.VocabularySize)).ToList())
            .ToList();
        var options = new GenerationOptions { MaxNewTokens = plan.NewTokens };
        output.WriteLine($"generation: {plan.ModelName}, {plan.PromptTokens}-token prompts, {plan.NewTokens} new tokens, greedy; 1 and {plan.ConcurrentStreams} streams");
        var results = new List<GenerationMeasurement>();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var model = new CausalLanguageModel(config, dtype);
            model.InitializeWeights(seed: 1);
            model.eval();
            using var single = new TokenGenerator(model);
            using var batch = new BatchTokenGenerator(model);
            _ = single.Generate(prompts[0], options with { MaxNewTokens = Math.Min(8, plan.NewTokens) }).Count();
            _ = batch.Generate(prompts, options with { MaxNewTokens = 2 });

            var singleRuns = Enumerable.Range(0, plan.GenerationRepeats).Select(_ => TimeSingleStream(single, prompts[0], options)).ToList();
            var prefillSeconds = Median.Of(Enumerable.Range(0, plan.GenerationRepeats)
                .Select(_ => TimeBatch(batch, prompts, options with { MaxNewTokens = 1 }).Seconds).ToList());
            var batchRuns = Enumerable.Range(0, plan.GenerationRepeats).Select(_ => TimeBatch(batch, prompts, options)).ToList();
            double batchSeconds = Median.Of(batchRuns.Select(r => r.Seconds).ToList());
            int generated = batchRuns[0].Tokens;
            var measurement = new GenerationMeasurement
            {
                Precision = Precision.Name(dtype),
                PromptTokens = plan.PromptTokens,
                NewTokens = plan.NewTokens,
                Streams = plan.ConcurrentStreams,
                PromptTokensPerSecond = plan.PromptTokens / Median.Of(singleRuns.Select(r => r.FirstTokenSeconds).ToList()),
                SingleStreamTokensPerSecond = Median.Of(singleRuns.Select(r => (r.Tokens - 1) / r.LaterTokensSeconds).ToList()),
                AggregateTokensPerSecond = generated / batchSeconds,
                AggregateDecodeTokensPerSecond = (generated - plan.ConcurrentStreams) / Math.Max(batchSeconds - prefillSeconds, 1e-9),
            };
            output.WriteLine($"  {measurement.Precision}: prompt {measurement.PromptTokensPerSecond:F0} tok/s, single stream {measurement.SingleStreamTokensPerSecond:F1} tok/s, " +
                             $"{plan.ConcurrentStreams} streams {measurement.AggregateTokensPerSecond:F1} tok/s");
            results.Add(measurement);
        }
        return results;
    }

    /// <summary>Time to the first new token (the prompt's forward pass) and for the tokens after it.</summary>
    static (double FirstTokenSeconds, double LaterTokensSeconds, int Tokens) TimeSingleStream(TokenGenerator generator, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        using var tokens = generator.Generate(prompt, options).GetEnumerator();
        var start = Stopwatch.GetTimestamp();
        if (!tokens.MoveNext()) throw new InvalidOperationException("generation produced no token");
        var first = Stopwatch.GetTimestamp();
        int count = 1;
        while (tokens.MoveNext()) count++;
        var end = Stopwatch.GetTimestamp();
        if (count < 2) throw new InvalidOperationException("single-stream decoding needs at least two new tokens to time");
        return (Stopwatch.GetElapsedTime(start, first).TotalSeconds, Stopwatch.GetElapsedTime(first, end).TotalSeconds, count);
    }

    static (double Seconds, int Tokens) TimeBatch(BatchTokenGenerator generator, IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options)
    {
        var start = Stopwatch.GetTimestamp();
        var outputs = generator.Generate(prompts, options);
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, outputs.Sum(output => output.Count));
    }
}
