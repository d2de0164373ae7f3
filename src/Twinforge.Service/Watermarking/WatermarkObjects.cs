using Twinforge.Engine.Watermarking;

namespace Twinforge.Service.Watermarking;

// The watermark API's shapes (Twinforge's own; snake_case from the JSON options).

/// <summary><c>POST /v1/watermark/detect</c>: the text to test, and the model (a twin or a base, named as in a completion) whose tokenizer wrote it.</summary>
public sealed record WatermarkDetectionRequest(string? Model, string? Text);

/// <summary>
/// What the test with the caller's organisation's key found: of the <c>scored_tokens</c>, <c>green_tokens</c> were
/// green where text written without the key has the share <c>green_fraction</c> (γ); the one-proportion z-score, its
/// one-sided p-value, and <c>watermarked</c> when z ≥ <c>z_threshold</c>. <c>note</c> says why a verdict is weak: too
/// few tokens scored, repetitive text, or nothing found (greedy and low-entropy text carries little watermark, so that
/// does not show a person wrote it); and when the organisation's completions are not watermarked.
/// </summary>
public sealed record WatermarkDetectionObject(string Object, string KeyId, double ZScore, double PValue, int ScoredTokens, int GreenTokens,
    double GreenFraction, double ZThreshold, bool Watermarked, string? Note)
{
    public const string WatermarkingOff =
        "this organisation's completions are not watermarked (its admin switched watermarking off): text it generated meanwhile carries no watermark";

    public static WatermarkDetectionObject From(WatermarkDetection detection, WatermarkSettings settings, double zThreshold, bool organisationWatermarks)
    {
        var notes = new[] { detection.Note, organisationWatermarks ? null : WatermarkingOff }.OfType<string>().ToList();
        return new WatermarkDetectionObject("watermark.detection", settings.Key.KeyId, detection.ZScore, detection.PValue, detection.ScoredTokens,
            detection.GreenTokens, settings.GreenFraction, zThreshold, detection.Detected, notes.Count == 0 ? null : string.Join("; ", notes));
    }
}
