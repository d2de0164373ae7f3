namespace Twinforge.Bench;

/// <summary>
/// One harness run: the machine's matmul ceiling, training through the trainer, generation — on one machine in one
/// go — then one table and, if asked, the JSON file. Model-FLOP utilisation is computed here, against this run's own
/// bfloat16 ceiling.
/// </summary>
/// <example><code>var report = BenchHarness.Run(new HarnessOptions { Quick = true }, BenchParts.All, Console.Out);</code></example>
public static class BenchHarness
{
    public static BenchReport Run(HarnessOptions options, BenchParts parts, TextWriter output)
    {
        var plan = options.Plan();
        double loadBefore = MachineInfo.LoadAverage();
        if (MachineInfo.ContentionWarning(loadBefore) is { } warning) output.WriteLine(warning);
        var machine = MachineInfo.Current();
        var speed = new List<SpeedCheck>();
        void CheckSpeed(string when) => speed.Add(SpeedCheck.Measure(when, machine.AutomaticPrecisionIsBFloat16));
        CheckSpeed("start");
        var ceiling = parts.HasFlag(BenchParts.Ceiling) ? MatmulCeiling.Measure(plan, output) : null;
        if (parts.HasFlag(BenchParts.FineTuning)) CheckSpeed("before training");
        var training = parts.HasFlag(BenchParts.FineTuning) ? FineTuningBenchmark.Measure(plan, options.Isolation, output) : [];
        if (ceiling is not null)
            training = training.Select(m => m with { ModelFlopUtilization = m.FlopsPerToken * m.TokensPerSecond / (ceiling.BestGflopsPerSecond * 1e9) }).ToList();
        if (parts.HasFlag(BenchParts.Generation)) CheckSpeed("before generation");
        var generation = parts.HasFlag(BenchParts.Generation) ? GenerationBenchmark.Measure(plan, output) : [];
        CheckSpeed("end");
        var report = new BenchReport
        {
            Date = DateTimeOffset.UtcNow,
            GitCommit = GitCommit.Describe(),
            Model = plan.ModelName,
            Quick = plan.Quick,
            Isolation = options.Isolation == HarnessIsolation.ChildProcess ? "child-process" : "in-process",
            Machine = machine,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineInfo.LoadAverage(),
            SpeedChecks = speed,
            Ceiling = ceiling,
            FineTuning = training,
            Generation = generation,
            References = ReferenceFigure.FromIssue,
            Targets = Targets.Check(plan, training, generation),
        };
        output.WriteLine();
        ReportTable.Write(report, output);
        if (options.JsonPath is string path)
        {
            File.WriteAllText(path, report.ToJson());
            output.WriteLine($"figures written to {path}");
        }
        return report;
    }
}
