using System.Text.Json;

namespace Twinforge.Bench;

/// <summary>
/// One training configuration: model, batch shape, full fine-tuning or LoRA, float32 or bfloat16 mixed precision.
/// It travels to a child process as JSON on the command line.
/// </summary>
public sealed record FineTuningCase(string Model, int BatchSize, int SequenceLength, bool Lora, int LoraRank, bool BFloat16Mixed,
    int WarmupSteps, int TimedSteps)
{
    public string Method => Lora ? "lora" : "full";

    public string PrecisionName => BFloat16Mixed ? Precision.BFloat16Mixed : Precision.Float32;

    public string Name => $"{Method} {PrecisionName} {BatchSize}x{SequenceLength}";

    /// <summary>Every case of a plan: each shape, full then LoRA, float32 then bfloat16 mixed.</summary>
    public static IReadOnlyList<FineTuningCase> AllOf(BenchPlan plan) =>
        (from shape in plan.TrainingShapes
         from lora in new[] { false, true }
         from bf16 in new[] { false, true }
         select new FineTuningCase(plan.ModelName, shape.Batch, shape.Sequence, lora, plan.LoraRank, bf16, plan.WarmupSteps, plan.TimedSteps))
        .ToList();

    public string ToJson() => JsonSerializer.Serialize(this);

    public static FineTuningCase FromJson(string json) =>
        JsonSerializer.Deserialize<FineTuningCase>(json) ?? throw new ArgumentException("the fine-tuning case is empty", nameof(json));
}
