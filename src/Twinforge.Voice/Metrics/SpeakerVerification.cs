namespace Twinforge.Voice.Metrics;

/// <summary>
/// A verifier on the speaker encoder's cosines: the threshold where it wrongly accepts as often as it wrongly rejects
/// (the equal-error rate), read off same-speaker and different-speaker pairs of real clips; a clip is accepted as the
/// creator when its cosine to the creator's enrolment (the mean of their real clips' embeddings) clears it.
/// </summary>
public static class SpeakerVerification
{
    /// <summary>The equal-error threshold and rate of cosine scores of same-speaker (targets) and different-speaker pairs (impostors).</summary>
    public static (double Threshold, double Rate) EqualError(IReadOnlyList<double> targets, IReadOnlyList<double> impostors)
    {
        if (targets.Count == 0 || impostors.Count == 0) throw new ArgumentException("an equal-error rate needs target and impostor scores");
        double bestGap = double.PositiveInfinity, threshold = 0, rate = 1;
        foreach (var candidate in targets.Concat(impostors).Distinct().Order())
        {
            double falseReject = targets.Count(score => score < candidate) / (double)targets.Count;
            double falseAccept = impostors.Count(score => score >= candidate) / (double)impostors.Count;
            double gap = Math.Abs(falseReject - falseAccept);
            if (gap < bestGap)
            {
                (bestGap, threshold, rate) = (gap, candidate, (falseReject + falseAccept) / 2);
            }
        }
        return (threshold, rate);
    }

    /// <summary>The mean of embeddings, re-normalised: a speaker's enrolment.</summary>
    public static float[] Enrol(IReadOnlyList<float[]> embeddings)
    {
        var mean = new float[embeddings[0].Length];
        foreach (var embedding in embeddings)
            for (int i = 0; i < mean.Length; i++) mean[i] += embedding[i];
        double norm = Math.Sqrt(mean.Sum(v => (double)v * v));
        return [.. mean.Select(v => (float)(v / norm))];
    }
}
