namespace Twinforge.Engine.Serving;

/// <summary>How a <see cref="ContinuousBatcher"/> shares its steps among streams.</summary>
public sealed record BatcherOptions
{
    /// <summary>Streams decoded together at most; later requests wait in arrival order for a place.</summary>
    public int MaxStreams { get; init; } = 32;

    /// <summary>Prompt tokens one stream feeds in one step at most: a long prompt is processed over several steps.</summary>
    public int PrefillChunkTokens { get; init; } = 64;

    /// <summary>
    /// Rows of one step: every decoding stream's token first, then prompt chunks in arrival order while the budget
    /// lasts (one chunk always goes, so prompts progress however many streams decode). Bounds how much a joining
    /// prompt delays the running streams' next token.
    /// </summary>
    public int StepTokenBudget { get; init; } = 128;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option out of range.</summary>
    public void Validate()
    {
        if (MaxStreams < 1) throw new ArgumentException($"MaxStreams must be at least 1, got {MaxStreams}", nameof(MaxStreams));
        if (PrefillChunkTokens < 1) throw new ArgumentException($"PrefillChunkTokens must be at least 1, got {PrefillChunkTokens}", nameof(PrefillChunkTokens));
        if (StepTokenBudget < 1) throw new ArgumentException($"StepTokenBudget must be at least 1, got {StepTokenBudget}", nameof(StepTokenBudget));
    }
}
