namespace Twinforge.Engine.Watermarking;

/// <summary>
/// What <see cref="WatermarkDetector"/> found in a text: of the tokens it scored, how many were green; the z-score of
/// that count against the γ expected of text written without the key; its one-sided p-value (the chance that text
/// written without the key scores at least this high); whether z reached the threshold; and, where the verdict is
/// weak (a short or repetitive text, or nothing found), why.
/// </summary>
public sealed record WatermarkDetection(int ScoredTokens, int GreenTokens, double ZScore, double PValue, bool Detected, string? Note);
