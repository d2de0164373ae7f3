using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// The machine's ceiling: the best matrix-product rate libtorch reaches here, in float32 and bfloat16, at the shapes
/// the model trains with. Model-FLOP utilisation is measured against the bfloat16 figure.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs the products in this process (its in-process toolchain: no project is generated and built,
/// which would take longer than the measurement) with the Monitoring strategy — a fixed number of warm-up and timed
/// single invocations, no pilot stage and no overhead subtraction, which suit operations of milliseconds to seconds —
/// and the best (minimum) time of each case is kept: interference only ever slows a run down.
/// </remarks>
public static class MatmulCeiling
{
    public static CeilingReport Measure(BenchPlan plan, TextWriter output)
    {
        var artifacts = Directory.CreateTempSubdirectory("twinforge-bench-bdn-");
        try
        {
            var job = Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(plan.MatmulWarmups)
                .WithIterationCount(plan.MatmulRepeats)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(InProcessNoEmitToolchain.Instance);
            var config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddLogger(new SilentLogger())
                .WithArtifactsPath(artifacts.FullName)
                .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.DisableOptimizationsValidator);
            output.WriteLine($"matmul ceiling: {plan.MatmulShapes().Count} shapes × 2 dtypes, best of {plan.MatmulRepeats} after {plan.MatmulWarmups} warm-up (BenchmarkDotNet, in process)");
            var summary = BenchmarkRunner.Run(plan.Quick ? typeof(QuickMatmuls) : typeof(FullSizeMatmuls), config);
            var measurements = new List<MatmulMeasurement>();
            foreach (var report in summary.Reports)
            {
                var shape = (MatmulShape)report.BenchmarkCase.Parameters[nameof(MatmulBenchmark.Shape)];
                var dtype = (ScalarType)report.BenchmarkCase.Parameters[nameof(MatmulBenchmark.DType)];
                var statistics = report.ResultStatistics
                    ?? throw new InvalidOperationException($"BenchmarkDotNet measured nothing for {shape} in {dtype}: {string.Join("; ", report.ExecuteResults.SelectMany(r => r.Results))}");
                double bestSeconds = statistics.Min / 1e9; // nanoseconds per invocation, one product each
                measurements.Add(new MatmulMeasurement(shape.Name, Precision.Name(dtype), shape.M, shape.K, shape.N, bestSeconds, shape.Flops / bestSeconds / 1e9));
            }
            if (measurements.Count != plan.MatmulShapes().Count * 2)
                throw new InvalidOperationException($"BenchmarkDotNet reported {measurements.Count} matmul cases; {plan.MatmulShapes().Count * 2} were planned");
            return new CeilingReport(
                measurements.Where(m => m.DType == Precision.Float32).Max(m => m.GflopsPerSecond),
                measurements.Where(m => m.DType == Precision.BFloat16).Max(m => m.GflopsPerSecond),
                "BenchmarkDotNet in-process, Monitoring strategy, minimum time per shape",
                measurements);
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    /// <summary>BenchmarkDotNet's own log is long; the harness prints its figures in its table instead.</summary>
    sealed class SilentLogger : ILogger
    {
        public string Id => nameof(SilentLogger);
        public int Priority => 0;
        public void Write(LogKind logKind, string text) { }
        public void WriteLine() { }
        public void WriteLine(LogKind logKind, string text) { }
        public void Flush() { }
    }
}
