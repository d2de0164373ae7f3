using Twinforge.Engine.Watermarking;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// The exposure of a canary planted in training data (Carlini et al. 2019, "The Secret Sharer"): with the canary drawn
/// at random from a space of |R| candidates of one format (say, nine random digits), exposure = log₂|R| − log₂ rank,
/// where rank is the canary's place among all candidates ordered by the model's loss on them. A model that never saw
/// the canary ranks it in the middle (exposure about 1 bit); one that memorised it ranks it first (exposure log₂|R|).
/// The rank is estimated from a sample of other candidates, as in the paper: the share of sampled candidates with a
/// loss at most the canary's, and, when that share is zero, from a normal fitted to the sampled losses (the paper fits
/// a skew-normal; a normal is the simpler stand-in, and its estimate is capped at one in the sample's size).
/// </summary>
public static class CanaryExposure
{
    /// <summary>Exposure in bits, at most log₂ <paramref name="candidateSpace"/>.</summary>
    /// <param name="canaryLoss">The model's loss (total nats, or any measure where smaller is likelier) on the canary.</param>
    /// <param name="sampledLosses">The same measure on candidates drawn at random from the space, the canary excluded.</param>
    /// <param name="candidateSpace">How many candidates the format allows (10⁹ for nine digits).</param>
    public static double Bits(double canaryLoss, IReadOnlyList<double> sampledLosses, double candidateSpace)
    {
        if (sampledLosses.Count < 2) throw new ArgumentException("at least two sampled candidates are needed", nameof(sampledLosses));
        ArgumentOutOfRangeException.ThrowIfLessThan(candidateSpace, 2.0);
        double maximum = Math.Log2(candidateSpace);
        int atMost = sampledLosses.Count(loss => loss <= canaryLoss);
        double share;
        if (atMost > 0) share = (double)atMost / sampledLosses.Count;
        else
        {
            double mean = sampledLosses.Average();
            double deviation = Math.Sqrt(sampledLosses.Sum(loss => (loss - mean) * (loss - mean)) / (sampledLosses.Count - 1));
            // Below every sampled candidate: the normal's tail, never more than one in the sample's size (so a
            // likelier canary never scores a lower exposure than one tying the sample's best).
            double tail = deviation > 0 ? NormalDistribution.UpperTail((mean - canaryLoss) / deviation) : 0;
            share = Math.Min(tail, 1.0 / sampledLosses.Count);
        }
        // Rank = share · |R|, at least 1 (the canary itself).
        double rank = Math.Max(1, share * candidateSpace);
        return Math.Clamp(maximum - Math.Log2(rank), 0, maximum);
    }
}
