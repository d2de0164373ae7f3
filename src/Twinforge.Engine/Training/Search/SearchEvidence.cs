using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training.Search;

/// <summary>
/// The mean of a candidate's per-example held-out loss minus the reference's (negative: the candidate is better),
/// with a 95% interval from the examples' spread (mean ± 1.96 standard errors; wider when it is one of
/// <paramref name="Comparisons"/> made at once, so that all of them hold together 95% of the time).
/// </summary>
public sealed record SearchDifference(double Mean, double Low, double High, int Examples, int Comparisons = 1)
{
    public override string ToString() => Examples < 2
        ? FormattableString.Invariant($"{Mean:+0.0000;-0.0000} nats per token on {Examples} example (too few for an interval)")
        : FormattableString.Invariant($"{Mean:+0.0000;-0.0000} nats per token, 95% interval {Low:+0.000;-0.000} to {High:+0.000;-0.000}") +
          (Comparisons > 1 ? FormattableString.Invariant($" (Bonferroni, {Comparisons} comparisons)") : "") + FormattableString.Invariant($", {Examples} examples");
}

/// <summary>How the search tells a real improvement from the noise of a small held-out set.</summary>
public static class SearchEvidence
{
    /// <summary>Fewer held-out examples than this cannot show a difference: their spread is barely estimated.</summary>
    public const int MinimumExamples = 8;

    /// <summary>Each held-out example's loss under a finished run's best weights.</summary>
    public static IReadOnlyList<ExampleLoss> Losses(string baseModelDirectory, IReadOnlyList<string> dataFiles, FineTuningOptions options, FineTuningResult run)
    {
        using var model = run.LoadTrained(baseModelDirectory);
        var data = TrainingData.Prepare(dataFiles, model.Tokenizer, options.Data);
        data.ThrowIfInvalid();
        return ExampleLoss.Score(model.Network, data.Validation!, options.Training.BatchSize);
    }

    /// <summary>The candidate's losses minus the reference's, example by example (both scored on the same examples).</summary>
    /// <param name="comparisons">
    /// How many candidates are compared with the reference at once, the best of them to be chosen: each interval is
    /// then a 1 − 5%/comparisons one (Bonferroni), so that the one chosen is not chosen for its luck.
    /// </param>
    public static SearchDifference Compare(IReadOnlyList<ExampleLoss> reference, IReadOnlyList<ExampleLoss> candidate, int comparisons = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(comparisons, 1);
        if (reference.Count != candidate.Count) throw new ArgumentException("both must be scored on the same held-out examples");
        var differences = candidate.Zip(reference, (c, r) => c.Loss - r.Loss).ToList();
        int n = differences.Count;
        double mean = differences.Average();
        double spread = n > 1 ? Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1)) : double.PositiveInfinity;
        double z = comparisons == 1 ? 1.96 : Watermarking.NormalDistribution.UpperQuantile(0.025 / comparisons);
        double half = z * spread / Math.Sqrt(n);
        return new SearchDifference(mean, mean - half, mean + half, n, comparisons);
    }
}
