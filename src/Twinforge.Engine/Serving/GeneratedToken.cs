namespace Twinforge.Engine.Serving;

/// <summary>A token id with its natural-log probability under the model.</summary>
public readonly record struct TokenLogprob(int Id, float Logprob);

/// <summary>
/// A token a <see cref="ContinuousBatcher"/> stream produced: its id and, when the request asked for them
/// (<see cref="Generation.GenerationOptions.TopLogprobs"/>), its log-probability and the most likely alternatives at
/// its position, most likely first (empty when none were asked for).
/// </summary>
public readonly record struct GeneratedToken(int Id, float? Logprob, IReadOnlyList<TokenLogprob> TopAlternatives)
{
    public GeneratedToken(int id) : this(id, null, []) { }
}
