using System.Globalization;

namespace Twinforge.Bench;

/// <summary>The harness's one table: every figure of a <see cref="BenchReport"/> with the references and targets beside it.</summary>
public static class ReportTable
{
    public static void Write(BenchReport report, TextWriter output)
    {
        output.WriteLine($"Twinforge benchmark: {report.Model}, {report.Date:yyyy-MM-dd HH:mm} UTC, commit {report.GitCommit ?? "unknown"}" +
                         (report.Quick ? "  [QUICK: tiny model, the figures say nothing about speed]" : ""));
        output.WriteLine(report.Machine.Line(report.LoadAverageBefore, report.LoadAverageAfter));
        if (report.SpeedChecks.Count > 0)
        {
            double first = report.SpeedChecks[0].GflopsPerSecond, slowest = report.SpeedChecks.Min(check => check.GflopsPerSecond);
            output.WriteLine($"machine speed, {report.SpeedChecks[0].Precision} 256x768·768x3072 GFLOP/s: " +
                             string.Join(", ", report.SpeedChecks.Select(check => $"{check.When} {Rate(check.GflopsPerSecond)}")) +
                             (slowest < 0.9 * first ? $"  [DRIFT: the machine slowed by {1 - slowest / first:P0} during the run]" : ""));
        }

        if (report.Ceiling is { } ceiling)
        {
            output.WriteLine();
            output.WriteLine($"{"matmul ceiling, GFLOP/s (best time)",-40}{"fp32",10}{"bf16",10}");
            foreach (var shape in ceiling.Shapes.GroupBy(s => (s.Name, s.M, s.K, s.N)))
            {
                var label = $"  {shape.Key.Name} {shape.Key.M}x{shape.Key.K}·{shape.Key.K}x{shape.Key.N}";
                output.WriteLine($"{label,-40}{Rate(shape, Precision.Float32),10}{Rate(shape, Precision.BFloat16),10}");
            }
            output.WriteLine($"{"  best",-40}{ceiling.Float32GflopsPerSecond,10:F1}{ceiling.BFloat16GflopsPerSecond,10:F1}");
        }

        if (report.FineTuning.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"{"training (trainer step)",-26}{"tok/s",9}{"s/step",9}{"peak RSS",11}{"RSS Δ",10}{"opt state",11}{"faults/step",12}{"MFU",7}{"loss",15}   reference / target");
            foreach (var t in report.FineTuning)
            {
                var mfu = t.ModelFlopUtilization is double u ? (100 * u).ToString("F1", CultureInfo.InvariantCulture) + "%" : "–";
                var loss = $"{t.FirstLoss:F2}→{t.LastLoss:F2}";
                output.WriteLine($"  {t.Name,-24}{t.TokensPerSecond,9:F1}{t.MedianSecondsPerStep,9:F3}{Bytes(t.PeakResidentBytes),11}" +
                                 $"{Bytes(t.ResidentBytesAtEnd - t.ResidentBytesAfterWarmup),10}{Bytes(t.OptimizerStateBytes),11}{t.MinorPageFaultsPerStep,12:F0}{mfu,7}{loss,15}   {TrainingGoal(t, report)}");
            }
            output.WriteLine("  tok/s from the median step; peak RSS " + (report.FineTuning.All(t => t.PeakMemoryIsolated)
                ? "of each case's own process" : "of the shared process (running maximum)") +
                "; RSS Δ from warm-up to the end; faults/step = minor page faults (allocation churn); MFU = FLOPs/token · tok/s / the better of the fp32 and bf16 ceilings (6N full, 4N_frozen + 6N_trainable LoRA)");
        }

        if (report.Generation.Count > 0)
        {
            var streams = report.Generation[0].Streams;
            output.WriteLine();
            output.WriteLine($"{"generation (greedy)",-26}{"prompt tok/s",14}{"1 stream tok/s",16}{$"{streams} streams tok/s",18}{"decode only",13}   reference / target");
            foreach (var g in report.Generation)
            {
                var goal = g.Precision == Precision.Float32
                    ? $"C++ engine fp32: prompt 800, 1 stream 64 / ≥{Targets.SingleStreamTokensPerSecond:F0}, ≥{Targets.ConcurrentStreamsTokensPerSecond:F0}"
                    : $"≥{Targets.SingleStreamTokensPerSecond:F0}, ≥{Targets.ConcurrentStreamsTokensPerSecond:F0}";
                output.WriteLine($"  {g.Precision + " weights",-24}{g.PromptTokensPerSecond,14:F1}{g.SingleStreamTokensPerSecond,16:F1}{g.AggregateTokensPerSecond,18:F1}" +
                                 $"{g.AggregateDecodeTokensPerSecond,13:F1}   {goal}");
            }
            output.WriteLine($"  {report.Generation[0].PromptTokens}-token prompts, {report.Generation[0].NewTokens} new tokens; {streams} streams: all new tokens over the whole time, prompts included");
        }

        output.WriteLine();
        output.WriteLine("targets" + (report.Quick ? " (quick run: not meaningful)" : ""));
        foreach (var target in report.Targets)
        {
            var measured = target.Measured is double value ? Figure(value, target) : "–";
            var verdict = target.Met switch { true => "met", false => "NOT MET", null => "not measured" };
            output.WriteLine($"  {target.Name,-34}{(target.AtMost ? "<" : "≥")} {Figure(target.Target, target),-12} measured {measured,-14} {verdict}" +
                             (target.Measured is null ? "" : $"  ({target.MeasuredBy})"));
        }
    }

    static string TrainingGoal(FineTuningMeasurement t, BenchReport report)
    {
        bool firstShape = report.FineTuning.Count > 0 && t.BatchSize == report.FineTuning[0].BatchSize && t.SequenceLength == report.FineTuning[0].SequenceLength;
        if (!firstShape) return t.Method == "lora" ? $"peak < {Bytes((long)Targets.LoraPeakResidentBytes)}" : "";
        return t.Method == "full"
            ? (t.Precision == Precision.Float32 ? "C fp32 61 / " : "") + $"≥{Targets.FullFineTuningTokensPerSecond:F0}"
            : $"≥{Targets.LoraTokensPerSecond:F0}, peak < {Bytes((long)Targets.LoraPeakResidentBytes)}";
    }

    /// <summary>A rate to three significant figures or whole numbers: 190, 41.2, 0.385 (a slow machine's is not "0").</summary>
    static string Rate(double gflopsPerSecond) => gflopsPerSecond.ToString(gflopsPerSecond switch
    {
        >= 100 => "F0",
        >= 10 => "F1",
        >= 1 => "F2",
        _ => "F3",
    }, CultureInfo.InvariantCulture);

    static string Rate(IEnumerable<MatmulMeasurement> shape, string dtype) =>
        shape.FirstOrDefault(s => s.DType == dtype)?.GflopsPerSecond.ToString("F1", CultureInfo.InvariantCulture) ?? "–";

    static string Figure(double value, TargetCheck target) => target.Unit switch
    {
        "bytes" => Bytes((long)value),
        "ratio" => (100 * value).ToString("F2", CultureInfo.InvariantCulture) + "%",
        _ => value.ToString("F1", CultureInfo.InvariantCulture) + " " + target.Unit,
    };

    /// <summary>Decimal units (the 2 GB target is 2·10⁹ bytes).</summary>
    /// <summary>A byte count as kB, MB or GB (decimal), as every report prints memory.</summary>
    public static string Bytes(long bytes)
    {
        double magnitude = Math.Abs((double)bytes);
        return magnitude >= 1e9 ? $"{bytes / 1e9:F2} GB" : magnitude >= 1e6 ? $"{bytes / 1e6:F1} MB" : $"{bytes / 1e3:F0} kB";
    }
}
