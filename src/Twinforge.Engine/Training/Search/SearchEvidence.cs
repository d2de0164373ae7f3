using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training.Search;

/// <summary>
/// The mean of a candidate's per-example held-out loss minus the reference's (negative: the candidate is better),
/// with a 95% interval from the examples' spread (mean ± 1.96 standard errors).
/// </summary>
public sealed record SearchDifference(double Mean, double Low, double High, int Examples)
{
    public override string ToString() => Examples < 2
        ? FormattableString.Invariant($"{Mean:+0.0000;-0.0000} nats per token on {Examples} example (too few for an interval)")
        : FormattableString.Invariant($"{Mean:+0.0000;-0.0000} nats per token, 95% interval {Low:+0.000;-0.000} to {High:+0.000;-0.000}, {Examples} examples");
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
    public static SearchDifference Compare(IReadOnlyList<ExampleLoss> reference, IReadOnlyList<ExampleLoss> candidate)
    {
        if (reference.Count != candidate.Count) throw new ArgumentException("both must be scored on the same held-out examples");
        var differences = candidate.Zip(reference, (c, r) => c.Loss - r.Loss).ToList();
        int n = differences.Count;
        double mean = differences.Average();
        double spread = n > 1 ? Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1)) : double.PositiveInfinity;
        double half = 1.96 * spread / Math.Sqrt(n);
        return new SearchDifference(mean, mean - half, mean + half, n);
    }
}
