namespace Twinforge.Bench;

/// <summary>
/// The targets for this 2-core machine, each checked against the best figure that answers it (the faster
/// precision for throughput; for memory, the leanest configuration at the most demanding shape). Throughput targets are at the plan's first training shape
/// (batch 4 × 64 for GPT-2 124M).
/// </summary>
public static class Targets
{
    public const double FullFineTuningTokensPerSecond = 300;
    public const double LoraTokensPerSecond = 600;
    public const double LoraOptimizerStateShare = 0.05;
    public const double SingleStreamTokensPerSecond = 64;
    public const double ConcurrentStreamsTokensPerSecond = 400;
    public const double LoraPeakResidentBytes = 2e9;

    public static IReadOnlyList<TargetCheck> Check(BenchPlan plan, IReadOnlyList<FineTuningMeasurement> training, IReadOnlyList<GenerationMeasurement> generation)
    {
        var (batch, sequence) = plan.TrainingShapes[0];
        var atFirstShape = training.Where(m => m.BatchSize == batch && m.SequenceLength == sequence).ToList();
        var full = atFirstShape.Where(m => m.Method == "full").MaxBy(m => m.TokensPerSecond);
        var lora = atFirstShape.Where(m => m.Method == "lora").MaxBy(m => m.TokensPerSecond);
        var fullState = atFirstShape.FirstOrDefault(m => m.Method == "full")?.OptimizerStateBytes;
        var loraState = atFirstShape.FirstOrDefault(m => m.Method == "lora")?.OptimizerStateBytes;
        // The least memory LoRA needs at each shape (either precision, with or without activation checkpointing),
        // judged at the shape that needs the most: every case's own peak is in the table beside it.
        var loraPeak = training.Where(m => m.Method == "lora").GroupBy(m => (m.BatchSize, m.SequenceLength))
            .Select(shape => shape.MinBy(m => m.PeakResidentBytes)!).MaxBy(m => m.PeakResidentBytes);
        var single = generation.MaxBy(m => m.SingleStreamTokensPerSecond);
        var streams = generation.MaxBy(m => m.AggregateTokensPerSecond);
        return
        [
            new($"full fine-tuning at {batch}x{sequence}", "tok/s", FullFineTuningTokensPerSecond, false, full?.TokensPerSecond, full?.Name ?? "not measured"),
            new($"LoRA at {batch}x{sequence}", "tok/s", LoraTokensPerSecond, false, lora?.TokensPerSecond, lora?.Name ?? "not measured"),
            new("LoRA optimizer state / full's", "ratio", LoraOptimizerStateShare, true,
                fullState > 0 && loraState is long l ? l / (double)fullState : null, "AdamW moments of the trainable parameters"),
            new("single-stream generation", "tok/s", SingleStreamTokensPerSecond, false, single?.SingleStreamTokensPerSecond, single is null ? "not measured" : single.Precision),
            new($"{plan.ConcurrentStreams} streams, aggregate", "tok/s", ConcurrentStreamsTokensPerSecond, false, streams?.AggregateTokensPerSecond,
                streams is null ? "not measured" : streams.Precision + ", prompts included"),
            new("LoRA peak memory, worst shape", "bytes", LoraPeakResidentBytes, true, loraPeak?.PeakResidentBytes, loraPeak?.Name ?? "not measured"),
        ];
    }
}
