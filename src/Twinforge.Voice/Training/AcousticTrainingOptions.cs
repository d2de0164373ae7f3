namespace Twinforge.Voice.Training;

/// <summary>How an acoustic model trains: epochs with early stopping on the held-out clips' mel loss, AdamW with warm-up.</summary>
public sealed record AcousticTrainingOptions
{
    public int Epochs { get; init; } = 30;

    /// <summary>Mel frames a batch holds (62.5 a second: 4,000 is about a minute of speech).</summary>
    public int FramesPerBatch { get; init; } = 4_000;

    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.01;
    public double ClipNorm { get; init; } = 1;
    public int Seed { get; init; }

    /// <summary>
    /// Updates over which the alignment's diagonal prior fades: its weight falls linearly from the config's
    /// <see cref="Model.AcousticModelConfig.AlignmentPrior"/> to zero, so it guides the aligner's first steps and
    /// then leaves the alignment to what it has learnt (kept on, it holds the alignment near the diagonal where
    /// speech is not). 0: no prior (adapting, where the aligner is already trained and frozen).
    /// </summary>
    public int AlignmentPriorSteps { get; init; } = 1_000;

    /// <summary>Stop after this many epochs without a better held-out loss (the best weights are kept).</summary>
    public int Patience { get; init; } = 4;

    /// <summary>
    /// Adapting only: the rank of the low-rank updates every adaptable layer of the frozen foundation learns for the
    /// voice (<see cref="Model.LowRankUpdate"/>); 0 adapts the speaker vector and the conditional norms alone.
    /// </summary>
    public int AdapterRank { get; init; }

    /// <summary>Stop once training has taken this long (the epoch in progress finishes), if set.</summary>
    public TimeSpan? TimeLimit { get; init; }
}
