using Twinforge.Engine.Watermarking;

namespace Twinforge.Engine.Generation;

/// <summary>
/// How to choose the next tokens. The defaults decode greedily; set <see cref="Temperature"/> above 0 to sample.
/// Field meanings follow Hugging Face's generation config.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate after the prompt.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>0 picks the most likely token (greedy); above 0, samples from softmax(logits / temperature).</summary>
    public double Temperature { get; init; }

    /// <summary>Sample only among the k most likely tokens; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Sample only among the most likely tokens whose probabilities sum to p (nucleus); 1 disables.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>
    /// Above 1 discourages tokens already in the prompt or the output (CTRL's penalty as Hugging Face applies it:
    /// positive logits divided by it, negative ones multiplied).
    /// </summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Generation ends when the text contains one of these; the stop text is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// Text the model writes first that is not part of the answer (a chat format's
    /// <see cref="Tokenization.IChatTemplate.ReplyLeader"/>, set by a chat prompt): taken off the start of the output
    /// when the output starts with it.
    /// </summary>
    public string ReplyLeader { get; init; } = "";

    /// <summary>Token ids that end generation (end of sequence, end of turn); added to the model's own.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Seed for sampling; the same seed, prompt and options give the same output.</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// A watermark to write into the output (green-list logits raised by δ before temperature, top-k and top-p), or
    /// null for none. Greedy decoding is watermarked too, as the paper's logit bias applies whatever the decoding:
    /// the choice changes only where a green token is within δ of the best, so greedy text carries little watermark.
    /// </summary>
    public WatermarkSettings? Watermark { get; init; }

    /// <summary>
    /// Log-probabilities to report with each generated token: null for none; 0 for the chosen token's only; up to
    /// <see cref="MaxTopLogprobs"/> for that many most likely alternatives as well. They are the model's own
    /// distribution (log-softmax of the raw logits), before temperature, penalty, watermark or filtering, so they say
    /// how likely the model found a token, whatever chose it. Served by the continuous batcher.
    /// </summary>
    public int? TopLogprobs { get; init; }

    /// <summary>The most alternatives <see cref="TopLogprobs"/> may ask for (the hosted APIs' bound).</summary>
    public const int MaxTopLogprobs = 20;

    public bool IsGreedy => Temperature <= 0;

    /// <summary>Greedy with nothing that changes the logits first: the choice is the raw logits' argmax.</summary>
    internal bool ChoosesRawArgmax => IsGreedy && RepetitionPenalty == 1.0 && Watermark is null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option whose value is out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"MaxNewTokens must be ≥ 0, got {MaxNewTokens}", nameof(MaxNewTokens));
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"Temperature must be ≥ 0, got {Temperature}", nameof(Temperature));
        if (TopK < 0) throw new ArgumentException($"TopK must be ≥ 0, got {TopK}", nameof(TopK));
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1], got {TopP}", nameof(TopP));
        if (!(RepetitionPenalty > 0)) throw new ArgumentException($"RepetitionPenalty must be > 0, got {RepetitionPenalty}", nameof(RepetitionPenalty));
        if (TopLogprobs is < 0 or > MaxTopLogprobs)
            throw new ArgumentException($"TopLogprobs must be in [0, {MaxTopLogprobs}], got {TopLogprobs}", nameof(TopLogprobs));
        if (StopSequences.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop sequences must not be empty", nameof(StopSequences));
    }
}
