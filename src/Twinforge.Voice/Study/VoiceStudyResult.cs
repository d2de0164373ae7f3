using System.Globalization;
using System.Text;

namespace Twinforge.Voice.Study;

/// <summary>The voice data-efficiency study: the reference levels (the real clips, the foundation's average voice) and each share's figures.</summary>
public sealed record VoiceStudyResult(string Creator, int HeldOutClips, double VerifierThreshold, double VerifierEqualErrorRate,
    VoiceFidelity Real, VoiceFidelity Base, IReadOnlyList<VoiceStudyPoint> Points)
{
    /// <summary>
    /// Where intelligibility is lost: the real clips' own log-mel turned back into audio by Griffin-Lim (the vocoder
    /// alone), and the largest share's adapted voice given each clip's real timing, pitch and energy (the decoder alone,
    /// no predictor). Null in a study that did not measure them.
    /// </summary>
    public VoiceFidelity? Vocoded { get; init; }
    public VoiceFidelity? AdaptedGivenTiming { get; init; }

    /// <summary>The foundation in a voice and on sentences it was pre-trained on: the ceiling of adaptation (null: not measured).</summary>
    public TrainedVoiceCheck? TrainedVoice { get; init; }

    /// <summary>Held-out sentences as each system said them, kept for listening (none unless asked).</summary>
    public IReadOnlyList<VoiceSample> Samples { get; init; } = [];

    /// <summary>
    /// How many seconds of the creator from scratch would match the adapted model's distortion at <paramref name="point"/>:
    /// read off the from-scratch curve (linear in log seconds between measured shares), or null when it never got there.
    /// </summary>
    public double? ScratchSecondsToMatch(VoiceStudyPoint point)
    {
        double target = point.Adapted.MelCepstralDistortion;
        var curve = Points.OrderBy(p => p.Seconds).ToList();
        for (int i = 0; i < curve.Count; i++)
        {
            double mcd = curve[i].FromScratch.MelCepstralDistortion;
            if (mcd > target) continue;
            if (i == 0) return curve[0].Seconds;
            double previous = curve[i - 1].FromScratch.MelCepstralDistortion;
            double fraction = (previous - target) / (previous - mcd);
            return Math.Exp(Math.Log(curve[i - 1].Seconds) + fraction * (Math.Log(curve[i].Seconds) - Math.Log(curve[i - 1].Seconds)));
        }
        return null;
    }

    /// <summary>
    /// The data multiple at <paramref name="point"/> in words: read off the from-scratch curve, a lower bound when that
    /// never reached it, and no multiple at all at the largest share (from scratch had no more data to try).
    /// </summary>
    public string DataMultiple(VoiceStudyPoint point)
    {
        double largest = Points.Max(p => p.Seconds);
        return ScratchSecondsToMatch(point) is double needed
            ? FormattableString.Invariant($"{needed / point.Seconds:F1}× ({needed:F0} s from scratch)")
            : point.Seconds < largest
                ? FormattableString.Invariant($"more than {largest / point.Seconds:F1}× (from scratch never matched it)")
                : "from scratch never matched it on any share";
    }

    public string Table()
    {
        var text = new StringBuilder();
        string Row(FormattableString line) => line.ToString(CultureInfo.InvariantCulture);
        text.AppendLine(Row($"voice study: creator {Creator}, {HeldOutClips} held-out clips; verifier threshold {VerifierThreshold:F3} (equal-error rate {VerifierEqualErrorRate:P1} on the foundation's held-out clips)"));
        text.AppendLine(Row($"{"",-22} {"MCD dB",8} {"similarity",10} {"accepted",9} {"WER (95% interval)",18}"));
        // The real clips have no distortion from themselves (NaN): a dash, as the report shows it.
        static string Distortion(double mcd) => double.IsNaN(mcd) ? "—" : mcd.ToString("F2", CultureInfo.InvariantCulture);
        void Line(string label, VoiceFidelity f) => text.AppendLine(Row($"{label,-22} {Distortion(f.MelCepstralDistortion),8} {f.Similarity,10:F3} {f.Accepted,9:P0} {f.WordErrorRateText,18}"));
        Line("real clips (ceiling)", Real);
        Line("foundation's average", Base);
        if (Vocoded is { } vocoded) Line("real mel, Griffin-Lim", vocoded);
        foreach (var point in Points)
        {
            Line(Row($"adapted, {point.Seconds:F0} s"), point.Adapted);
            Line(Row($"from scratch, {point.Seconds:F0} s"), point.FromScratch);
            text.AppendLine(Row($"{"",-22} data multiple: {DataMultiple(point)}"));
        }
        if (AdaptedGivenTiming is { } forced) Line(Row($"adapted, {Points.Max(p => p.Seconds):F0} s, real timing"), forced);
        if (TrainedVoice is { } trained)
        {
            text.AppendLine(Row($"the foundation in {trained.Speaker}'s voice, on {trained.Clips} sentences it was pre-trained on (the ceiling of adaptation):"));
            text.AppendLine(Row($"{"  real clips",-22} {"—",8} {trained.Real.Similarity,10:F3} {trained.Real.Accepted,9:P0} {trained.Real.WordErrorRateText,18}"));
            Line("  the foundation", trained.Spoken);
        }
        return text.ToString();
    }
}
