namespace Twinforge.Twins.Fidelity;

/// <summary>
/// The difference between two versions' mean held-out loss with a 95% interval from a paired bootstrap over the
/// held-out items (conversations): both versions are scored on the same items, the per-item differences are resampled
/// with replacement, and the interval is the 2.5th to 97.5th percentile of the resampled means. Pairing removes the
/// items' own difficulty, which is most of the variation, so a real change shows with far fewer items than comparing
/// two unpaired means would need.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Held-out items below which no interval is given: resampling a handful of items understates their spread.</summary>
    public const int MinimumItems = 10;

    /// <summary>
    /// The mean of candidate − reference over the items and its interval (negative: the candidate's loss is lower).
    /// With <paramref name="weights"/> (each item's target tokens), the mean is weighted by them, as a loss per token
    /// over all items is: then it equals the difference of the two overall per-token losses.
    /// </summary>
    /// <param name="reference">Per-item losses (per token) of the version compared against.</param>
    /// <param name="candidate">Per-item losses of the new version, item for item.</param>
    /// <param name="weights">Per-item weights (target tokens); null weighs every item the same.</param>
    /// <param name="resamples">Bootstrap resamples (2,000 give percentiles steady to about ±0.5% of the interval's width).</param>
    /// <param name="seed">Seeds the resampling: the same inputs and seed give the same interval.</param>
    public static LossDifference Compare(IReadOnlyList<double> reference, IReadOnlyList<double> candidate, IReadOnlyList<double>? weights = null,
        int resamples = 2000, int seed = 1, double confidence = 0.95)
    {
        if (reference.Count != candidate.Count)
            throw new ArgumentException($"paired losses must cover the same items: {reference.Count} and {candidate.Count} given");
        if (reference.Count == 0) throw new ArgumentException("no held-out items to compare on");
        if (weights is not null && (weights.Count != reference.Count || weights.Any(weight => !(weight > 0))))
            throw new ArgumentException("one positive weight per item is needed", nameof(weights));
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        int count = reference.Count;
        var weighted = new double[count];
        var weight = new double[count];
        for (int i = 0; i < count; i++)
        {
            weight[i] = weights?[i] ?? 1;
            weighted[i] = weight[i] * (candidate[i] - reference[i]);
        }
        double mean = weighted.Sum() / weight.Sum();
        var random = new Random(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0, total = 0;
            for (int i = 0; i < count; i++)
            {
                int item = random.Next(count);
                sum += weighted[item];
                total += weight[item];
            }
            means[r] = sum / total;
        }
        Array.Sort(means);
        double tail = (1 - confidence) / 2;
        return new LossDifference(mean, Percentile(means, tail), Percentile(means, 1 - tail), confidence, count);
    }

    /// <summary>Linear interpolation between order statistics (the common "type 7" definition).</summary>
    static double Percentile(double[] sorted, double quantile)
    {
        double position = quantile * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }
}

/// <summary>A candidate's mean held-out loss minus a reference's, with its bootstrap interval.</summary>
public sealed record LossDifference(double Mean, double Lower, double Upper, double Confidence, int Items)
{
    /// <summary>Lower with the whole interval below zero, higher with it above, else no difference shown.</summary>
    public LossVerdict Verdict => Upper < 0 ? LossVerdict.Lower : Lower > 0 ? LossVerdict.Higher : LossVerdict.NoDifference;

    /// <summary>The comparison in words, e.g. "held-out loss 0.042 lower (95% interval 0.018 to 0.066 lower, 120 conversations)".</summary>
    public string Describe(string itemName = "conversations") => Verdict switch
    {
        LossVerdict.Lower => FormattableString.Invariant($"held-out loss {-Mean:F3} lower ({Confidence * 100:F0}% interval {-Upper:F3} to {-Lower:F3} lower, {Items} {itemName})"),
        LossVerdict.Higher => FormattableString.Invariant($"held-out loss {Mean:F3} higher ({Confidence * 100:F0}% interval {Lower:F3} to {Upper:F3} higher, {Items} {itemName})"),
        _ => FormattableString.Invariant($"no difference shown in held-out loss ({Mean:+0.000;-0.000;0.000}, {Confidence * 100:F0}% interval {Lower:+0.000;-0.000;0.000} to {Upper:+0.000;-0.000;0.000}, {Items} {itemName})"),
    };
}

public enum LossVerdict
{
    Lower,
    NoDifference,
    Higher,
}
