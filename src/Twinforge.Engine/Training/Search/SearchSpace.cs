namespace Twinforge.Engine.Training.Search;

/// <summary>
/// The settings a search tries around a recipe: its learning rate divided and multiplied by 3, its epochs halved
/// and doubled, and its LoRA rank divided and multiplied by 4 (alpha kept in proportion) — 27 candidates for a new
/// LoRA adapter, 9 where the rank is not the recipe's to choose (full fine-tuning, or an adapter continued from an
/// earlier one). With <see cref="TrainingOptions.AutoFullFineTuning"/>, a new adapter's search also tries full
/// fine-tuning at each epoch count, at a tenth and a thirtieth of the recipe's learning rate (every weight moves, so
/// it wants a far smaller step than an adapter's): 33 candidates. The recipe's own values are always among them, so
/// the search can only lose to them by choosing on noise.
/// </summary>
public static class SearchSpace
{
    public static readonly double[] LearningRateFactors = [1 / 3.0, 1, 3];
    public static readonly double[] EpochFactors = [0.5, 1, 2];
    public static readonly double[] RankFactors = [0.25, 1, 4];

    /// <summary>Full fine-tuning's learning rates, as fractions of the recipe's (a LoRA adapter's) own.</summary>
    public static readonly double[] FullFineTuningLearningRateFactors = [1 / 30.0, 1 / 10.0];

    /// <summary>The candidates around <paramref name="options"/>, in a fixed order (learning rate, then epochs, then rank).</summary>
    public static IReadOnlyList<SearchCandidate> Around(FineTuningOptions options)
    {
        var training = options.Training;
        var lora = options.Lora ?? new Lora.LoraConfig();
        bool choosesRank = options.Method == FineTuningMethod.Lora && options.InitialAdapter is null;
        var epochs = EpochFactors.Select(factor => Math.Max(1, (int)Math.Round(training.Epochs * factor))).Distinct().ToList();
        var ranks = choosesRank ? RankFactors.Select(factor => Math.Max(1, (int)Math.Round(lora.Rank * factor))).Distinct().Select(rank => (int?)rank).ToList() : [null];
        double alphaPerRank = lora.Alpha / lora.Rank;
        bool triesFull = choosesRank && training.AutoFullFineTuning;
        return
        [
            .. from factor in LearningRateFactors
               from epochCount in epochs
               from rank in ranks
               select new SearchCandidate(training.LearningRate * factor, epochCount, rank, rank is int r ? alphaPerRank * r : null),
            .. from factor in triesFull ? FullFineTuningLearningRateFactors : []
               from epochCount in epochs
               select new SearchCandidate(training.LearningRate * factor, epochCount, null, null, FineTuningMethod.Full),
        ];
    }
}
