using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Training.Search;

/// <summary>
/// One setting <see cref="HyperparameterSearch"/> tries: a peak learning rate, a number of epochs and (for a new LoRA
/// adapter) a rank, with alpha scaled with the rank so that alpha / rank, the adapter's scaling, stays the recipe's.
/// </summary>
public sealed record SearchCandidate(double LearningRate, int Epochs, int? Rank, double? Alpha)
{
    /// <summary>The recipe's options with this candidate's values, as one plain training run (not a search).</summary>
    public FineTuningOptions ApplyTo(FineTuningOptions options) => options with
    {
        Training = options.Training with { LearningRate = LearningRate, Epochs = Epochs, MaxSteps = null, Auto = false },
        Lora = Rank is int rank ? (options.Lora ?? new LoraConfig()) with { Rank = rank, Alpha = Alpha ?? rank * 2.0 } : options.Lora,
    };

    public override string ToString() =>
        FormattableString.Invariant($"learning rate {LearningRate:G3}, {Epochs} epochs") + (Rank is int rank ? $", rank {rank}" : "");
}
