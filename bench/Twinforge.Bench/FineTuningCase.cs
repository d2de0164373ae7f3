using System.Text.Json;

namespace Twinforge.Bench;

/// <summary>
/// One training configuration: model, batch shape, full fine-tuning or LoRA, float32 or bfloat16 mixed precision,
/// with or without activation checkpointing. It travels to a child process as JSON on the command line.
/// </summary>
public sealed record FineTuningCase(string Model, int BatchSize, int SequenceLength, bool Lora, int LoraRank, bool BFloat16Mixed,
    int WarmupSteps, int TimedSteps, bool ActivationCheckpointing = false)
{
    public string Method => Lora ? "lora" : "full";

    public string PrecisionName => BFloat16Mixed ? Precision.BFloat16Mixed : Precision.Float32;

    public string Name => $"{Method} {PrecisionName} {BatchSize}x{SequenceLength}" + (ActivationCheckpointing ? " ckpt" : "");

    /// <summary>
    /// Every case of a plan: each shape, full then LoRA, float32 then bfloat16 mixed; then LoRA at the largest shape
    /// with activation checkpointing, the configuration for a small machine's memory.
    /// </summary>
    public static IReadOnlyList<FineTuningCase> AllOf(BenchPlan plan)
    {
        var cases = (from shape in plan.TrainingShapes
                     from lora in new[] { false, true }
                     from bf16 in new[] { false, true }
                     select new FineTuningCase(plan.ModelName, shape.Batch, shape.Sequence, lora, plan.LoraRank, bf16, plan.WarmupSteps, plan.TimedSteps))
            .ToList();
        var largest = plan.TrainingShapes.MaxBy(shape => shape.Batch * shape.Sequence);
        cases.AddRange(new[] { false, true }.Select(bf16 => new FineTuningCase(plan.ModelName, largest.Batch, largest.Sequence, Lora: true,
            plan.LoraRank, bf16, plan.WarmupSteps, plan.TimedSteps, ActivationCheckpointing: true)));
        return cases;
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static FineTuningCase FromJson(string json) =>
        JsonSerializer.Deserialize<FineTuningCase>(json) ?? throw new ArgumentException("the fine-tuning case is empty", nameof(json));
}
