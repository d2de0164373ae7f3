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

    /// <summary>Stop after this many epochs without a better held-out loss (the best weights are kept).</summary>
    public int Patience { get; init; } = 4;

    /// <summary>Stop once training has taken this long (the epoch in progress finishes), if set.</summary>
    public TimeSpan? TimeLimit { get; init; }
}
