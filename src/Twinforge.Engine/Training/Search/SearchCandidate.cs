using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Training.Search;

/// <summary>
/// One setting <see cref="HyperparameterSearch"/> tries: a peak learning rate, a number of epochs and (for a new LoRA
/// adapter) a rank, with alpha scaled with the rank so that alpha / rank, the adapter's scaling, stays the recipe's —
/// or, with <see cref="Method"/> full, every weight trained instead of an adapter.
/// </summary>
/// <param name="Method">Null: the recipe's own method; <see cref="FineTuningMethod.Full"/>: full fine-tuning in place of the recipe's LoRA.</param>
public sealed record SearchCandidate(double LearningRate, int Epochs, int? Rank, double? Alpha, FineTuningMethod? Method = null)
{
    /// <summary>The recipe's options with this candidate's values, as one plain training run (not a search).</summary>
    public FineTuningOptions ApplyTo(FineTuningOptions options)
    {
        var training = options.Training with { LearningRate = LearningRate, Epochs = Epochs, MaxSteps = null, Auto = false };
        if (Method is FineTuningMethod method) return options with { Method = method, Lora = null, Training = training };
        return options with
        {
            Training = training,
            Lora = Rank is int rank ? (options.Lora ?? new LoraConfig()) with { Rank = rank, Alpha = Alpha ?? rank * 2.0 } : options.Lora,
        };
    }

    // Below 10⁻³ in the engineer's notation (3.33e-5, 1e-4), which reads where G3 would write 3.33E-05.
    public override string ToString() =>
        (Method == FineTuningMethod.Full ? "full fine-tuning, " : "") +
        "learning rate " + LearningRate.ToString(LearningRate >= 1e-3 ? "G3" : "0.##e0", System.Globalization.CultureInfo.InvariantCulture) +
        FormattableString.Invariant($", {Epochs} epochs") + (Rank is int rank ? $", rank {rank}" : "");
}
