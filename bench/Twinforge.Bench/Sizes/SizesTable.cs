namespace Twinforge.Bench.Sizes;

/// <summary>The <c>sizes</c> report as a table, with the memory and MFU targets checked.</summary>
public static class SizesTable
{
    public static void Write(SizesReport report, TextWriter output)
    {
        var machine = report.Machine;
        output.WriteLine();
        output.WriteLine($"Twinforge sizes: {report.Date:yyyy-MM-dd HH:mm} UTC, commit {report.GitCommit ?? "unknown"}, {report.Isolation}");
        output.WriteLine(machine.Line(report.LoadAverageBefore, report.LoadAverageAfter));
        output.WriteLine($"products: fp32 {report.Float32GflopsPerSecond:F1} GFLOP/s, bf16 {report.BFloat16GflopsPerSecond:F1} GFLOP/s " +
                         $"(bf16 {(machine.AutomaticPrecisionIsBFloat16 ? "native and fast: bf16 products" : "slow here: fp32 products over the bf16 weights")})");
        var plan = report.Plan;
        output.WriteLine($"{"shape",-16} {"parameters",14} {"load s",7} {"weights",18} {"peak RSS",9} {"LoRA tok/s",10} {"MFU",6} {"prompt tok/s",12} {"1 stream tok/s",14}  loss");
        foreach (var m in report.Shapes)
        {
            var weights = string.Join(" + ", m.ParameterBytesByDType.Select(entry => $"{ReportTable.Bytes(entry.Value)} {entry.Key}"));
            output.WriteLine($"{m.Shape,-16} {m.ParameterCount,14:N0} {m.LoadSeconds,7:F1} {weights,18} {ReportTable.Bytes(m.PeakResidentBytes),9} " +
                             $"{m.LoraTokensPerSecond,10:F1} {m.ModelFlopUtilization,6:P1} {m.PromptTokensPerSecond,12:F1} {m.GenerationTokensPerSecond,14:F1}  {m.FirstLoss:F2}→{m.LastLoss:F2}");
        }
        output.WriteLine($"  LoRA rank {plan.LoraRank} on every projection at {plan.BatchSize}x{plan.SequenceLength}, activations checkpointed, products in " +
                         $"{string.Join("/", report.Shapes.Select(m => m.ComputePrecision).Distinct())}; peak RSS of each shape's own process (load, train, generate); " +
                         $"MFU = (4·N_frozen + 6·N_trainable)·tok/s over the better product rate; {plan.PromptTokens}-token prompt, greedy decoding of {plan.NewTokens} tokens");
        foreach (var m in report.Shapes)
        {
            if (SizesBenchmark.PeakTargets.TryGetValue(m.Shape, out var limit))
                output.WriteLine($"  target: {m.Shape} LoRA peak RSS < {ReportTable.Bytes(limit)}: measured {ReportTable.Bytes(m.PeakResidentBytes)}  {(m.PeakResidentBytes < limit ? "met" : "NOT MET")}");
        }
        if (report.Shapes.Count > 0)
        {
            var worst = report.Shapes.MinBy(m => m.ModelFlopUtilization ?? 0)!;
            output.WriteLine($"  target: LoRA MFU ≥ {SizesBenchmark.MfuTarget:P0} where bf16 products are fast: lowest {worst.ModelFlopUtilization:P1} ({worst.Shape})  " +
                             (machine.AutomaticPrecisionIsBFloat16 ? (worst.ModelFlopUtilization >= SizesBenchmark.MfuTarget ? "met" : "NOT MET") : "not applicable: bf16 products are slow on this machine"));
        }
    }
}
