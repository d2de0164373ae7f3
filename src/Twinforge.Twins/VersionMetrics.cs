using System.Text.Json;

namespace Twinforge.Twins;

/// <summary>
/// How a version did, recorded with it. <see cref="FixedHeldOutLoss"/> is measured on the twin's held-out set, the
/// same for every version, so versions compare on it, and scored once by the final weights (early stopping chose them
/// on the new data's held-out part, so the comparison is not biased by that choice); <see cref="NewHeldOutLoss"/> on
/// the held-out part of the data this version added. <see cref="Improvement"/> is the parent's fixed held-out loss minus this one's (positive is
/// better); null for a first version. <see cref="FixedHeldOutExampleLosses"/> holds the same loss per held-out
/// example (conversation; per token) and each one's target tokens, in the set's order, so two versions compare
/// example by example (<see cref="Fidelity.PairedBootstrap"/>); versions recorded before they existed have none.
/// <see cref="Evaluation"/> holds the fidelity, memorisation and forgetting figures when the version was evaluated
/// (when it was trained with evaluation sources, or later by <c>twin evaluate</c>). <see cref="SeedLosses"/> holds the
/// fixed held-out loss of the recipe run with several seeds (<c>--seeds N</c>), the version's own first.
/// <see cref="Search"/> is what <c>training: auto</c> tried and chose (its candidates, their losses at each round, the
/// budget), when the recipe searched.
/// </summary>
public sealed record VersionMetrics(
    double FixedHeldOutLoss,
    double? NewHeldOutLoss,
    double? ParentFixedHeldOutLoss,
    int BestStep,
    int Steps,
    bool StoppedEarly,
    long TrainedTokens,
    long ReplayedExamples,
    IReadOnlyList<double>? FixedHeldOutExampleLosses = null,
    IReadOnlyList<long>? FixedHeldOutExampleTargets = null,
    Fidelity.VersionEvaluation? Evaluation = null,
    IReadOnlyList<double>? SeedLosses = null,
    Engine.Training.Search.SearchRecord? Search = null)
{
    /// <summary>
    /// The standard deviation of the fixed held-out loss over the recipe's seeds (<see cref="SeedLosses"/>: the
    /// version's own first, then the further seeds'); null when it was trained with one seed.
    /// </summary>
    public double? SeedSpread => SeedLosses is { Count: >= 2 } losses
        ? Math.Sqrt(losses.Sum(loss => (loss - losses.Average()) * (loss - losses.Average())) / (losses.Count - 1))
        : null;

    /// <summary>
    /// How far apart two runs of the recipe that differ only in their seed land, 95% of the time: 1.96 · √2 · the seed
    /// spread. An improvement smaller than this is what another seed could give.
    /// </summary>
    public double? SeedNoise => SeedSpread is double spread ? 1.96 * Math.Sqrt(2) * spread : null;

    public double FixedHeldOutPerplexity => Math.Exp(FixedHeldOutLoss);

    public double? Improvement => ParentFixedHeldOutLoss is double parent ? parent - FixedHeldOutLoss : null;

    /// <summary>How this version's fixed held-out loss stands against its parent's, in words.</summary>
    public string Verdict => Improvement switch
    {
        null => "first version",
        double improvement when improvement > 0 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"better than its parent by {improvement:F4}"),
        double improvement => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"not better than its parent ({-improvement:F4} worse)"),
    };

    /// <summary>Better than its parent on the fixed held-out set (a first version counts as better than nothing).</summary>
    public bool IsBetterThanParent => Improvement is not double improvement || improvement > 0;

    /// <summary>
    /// This version's fixed held-out loss against <paramref name="earlier"/>'s, example by example and weighted by their
    /// tokens (so its mean is −<see cref="Improvement"/>), with a 95% bootstrap interval; null when either lacks
    /// per-example losses, they were scored on different examples (other token counts), or there are fewer than
    /// <see cref="Fidelity.PairedBootstrap.MinimumItems"/> of them.
    /// </summary>
    /// <summary>
    /// How many fixed held-out conversations this version and <paramref name="earlier"/> were both scored on (the same
    /// ones, by their target counts), or null when their per-conversation losses cannot be paired.
    /// </summary>
    public int? ComparableHeldOutExamples(VersionMetrics earlier) =>
        earlier is { FixedHeldOutExampleLosses: { } reference, FixedHeldOutExampleTargets: { } referenceTargets } &&
        this is { FixedHeldOutExampleLosses: { } candidate, FixedHeldOutExampleTargets: { } targets } &&
        reference.Count == candidate.Count && targets.SequenceEqual(referenceTargets)
            ? candidate.Count
            : null;

    public Fidelity.LossDifference? DifferenceFrom(VersionMetrics earlier) =>
        earlier is { FixedHeldOutExampleLosses: { } reference, FixedHeldOutExampleTargets: { } referenceTargets } &&
        this is { FixedHeldOutExampleLosses: { } candidate, FixedHeldOutExampleTargets: { } targets } &&
        reference.Count == candidate.Count && targets.SequenceEqual(referenceTargets) && candidate.Count >= Fidelity.PairedBootstrap.MinimumItems
            ? Fidelity.PairedBootstrap.Compare(reference, candidate, targets.Select(target => (double)target).ToList())
            : null;

    public string ToJson() => JsonSerializer.Serialize(this, JsonSettings.Options);

    /// <summary>The figures recorded, or null when there are none (a version not trained yet, or failed: <see cref="VersionFailure"/>).</summary>
    public static VersionMetrics? FromJson(string? json) =>
        json is null || VersionFailure.ReasonIn(json) is not null ? null : JsonSerializer.Deserialize<VersionMetrics>(json, JsonSettings.Options);
}
