using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Watermarking;

/// <summary>
/// Tests token ids for a watermark with its key, from the text alone (no model, no prompt): the paper's one-proportion
/// z-test, z = (|s|_G − γT) / √(Tγ(1−γ)), over the T scored tokens of which |s|_G are green.
/// </summary>
/// <remarks>
/// The first token is not scored (its predecessor, the prompt's last token, is not in the text). A (previous, token)
/// pair already scored is not scored again: its colour is the same every time, so counting a repeated phrase would
/// count one coin many times and let repetitive human text reach any z (Kirchenbauer et al.'s follow-up, "On the
/// Reliability of Watermarks", scores each such pair once for this reason). Scored pairs are then independent coins
/// of probability γ for text written without the key, which is what makes the p-value exact.
/// </remarks>
/// <example><code>
/// var detection = WatermarkDetector.Detect(model.Tokenizer, text, settings);
/// Console.WriteLine($"z = {detection.ZScore:F2}, p = {detection.PValue:G3}, detected: {detection.Detected}");
/// </code></example>
public static class WatermarkDetector
{
    /// <summary>The paper's threshold: z ≥ 4 is a one-sided false-positive rate of 3·10⁻⁵ per text.</summary>
    public const double DefaultZThreshold = 4.0;

    /// <summary>Below this many scored tokens even a strong watermark rarely reaches z = 4 (the paper's Figure 2 and 4 start near 25).</summary>
    public const int MinimumScoredTokens = 25;

    /// <summary>Encodes <paramref name="text"/> with the model's tokenizer (special-token strings as plain text) and tests it.</summary>
    public static WatermarkDetection Detect(ITokenizer tokenizer, string text, WatermarkSettings settings, double zThreshold = DefaultZThreshold) =>
        Detect(tokenizer.Encode(text), settings, zThreshold);

    /// <summary>Tests the ids of a text for the watermark of <paramref name="settings"/>.</summary>
    public static WatermarkDetection Detect(IReadOnlyList<int> tokenIds, WatermarkSettings settings, double zThreshold = DefaultZThreshold)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        ArgumentNullException.ThrowIfNull(settings);
        if (double.IsNaN(zThreshold)) throw new ArgumentException("the z threshold must be a number", nameof(zThreshold));
        var greenList = new GreenList(settings);
        var scoredPairs = new HashSet<(int Previous, int Token)>();
        int green = 0;
        for (int position = 1; position < tokenIds.Count; position++)
        {
            var pair = (tokenIds[position - 1], tokenIds[position]);
            if (scoredPairs.Add(pair) && greenList.Contains(pair.Item1, pair.Item2)) green++;
        }
        int scored = scoredPairs.Count;
        double gamma = settings.GreenFraction;
        double z = scored == 0 ? 0 : (green - gamma * scored) / Math.Sqrt(scored * gamma * (1 - gamma));
        bool detected = scored > 0 && z >= zThreshold;
        return new WatermarkDetection(scored, green, z, NormalDistribution.UpperTail(z), detected,
            Note(tokenIds.Count, scored, detected, zThreshold));
    }

    static string? Note(int tokens, int scored, bool detected, double zThreshold)
    {
        var notes = new List<string>();
        if (scored < MinimumScoredTokens)
            notes.Add($"only {scored} token{(scored == 1 ? "" : "s")} could be scored (fewer than {MinimumScoredTokens}): too short for a reliable verdict");
        int repeated = Math.Max(0, tokens - 1 - scored);
        if (tokens > 1 && repeated * 2 > tokens - 1)
            notes.Add($"{repeated} of {tokens - 1} tokens repeat an earlier (previous, token) pair and were not scored: repetitive text carries little watermark");
        if (!detected)
            notes.Add($"no watermark at z ≥ {zThreshold:0.##}; text generated greedily or with little choice (low entropy) carries little watermark " +
                      "even when written with the key, so this does not show that a person wrote it");
        return notes.Count == 0 ? null : string.Join("; ", notes);
    }
}
