namespace Twinforge.Voice.Study;

/// <summary>
/// How close synthesised speech of held-out sentences is to the creator: mel-cepstral distortion against their real
/// clips of the same sentences (dB, lower is closer), speaker similarity (the speaker encoder's cosine to the
/// creator's enrolment), the share of clips the verifier accepts as the creator, and the recogniser's word error rate
/// with its 95% interval over the sentences (NaN in figures written before it was measured).
/// </summary>
public sealed record VoiceFidelity(double MelCepstralDistortion, double Similarity, double Accepted, double WordErrorRate,
    double WordErrorRateLow = double.NaN, double WordErrorRateHigh = double.NaN)
{
    /// <summary>"91%" or "91% (78–100%)".</summary>
    public string WordErrorRateText => double.IsNaN(WordErrorRateLow)
        ? FormattableString.Invariant($"{WordErrorRate:P0}")
        : FormattableString.Invariant($"{WordErrorRate * 100:F0}% ({WordErrorRateLow * 100:F0}–{WordErrorRateHigh * 100:F0}%)");
}
