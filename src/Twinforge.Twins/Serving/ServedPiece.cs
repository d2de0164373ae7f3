namespace Twinforge.Twins.Serving;

/// <summary>
/// Text of a served generation as it becomes final, with the tokens it came from when the request asked for their
/// log-probabilities (empty otherwise). A token's text is its own decoding, which for a byte-level tokenizer may be
/// part of a character (shown as U+FFFD).
/// </summary>
public sealed record ServedPiece(string Text, IReadOnlyList<ServedToken> Tokens);

/// <summary>A generated token's text and natural-log probability, with the most likely alternatives at its position.</summary>
public sealed record ServedToken(string Token, float Logprob, IReadOnlyList<ServedAlternative> TopLogprobs);

/// <summary>An alternative token at a position and its natural-log probability.</summary>
public sealed record ServedAlternative(string Token, float Logprob);
