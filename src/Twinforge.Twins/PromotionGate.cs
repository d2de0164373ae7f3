using System.Globalization;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins;

/// <summary>
/// Whether a new version may take an alias automatically: its fixed held-out loss must improve on its parent's by
/// at least the margin, and — when both have per-conversation losses — beyond the noise of which conversations are
/// held out: the 95% interval of a paired bootstrap of the change wholly below zero (below the tolerated regression
/// when the margin is negative); with too few held-out conversations for an interval it is not promoted at all. An evaluated version must also stay within the memorisation limits, lose no general
/// ability beyond <see cref="EvaluationLimits.MaxForgetting"/> against the base, nor any beyond noise against its parent
/// (on the same general documents). Each refusal says which test failed and by how much.
/// </summary>
public static class PromotionGate
{
    /// <returns>Null when the version may be promoted, else the reason it may not.</returns>
    public static string? Refusal(VersionMetrics candidate, VersionMetrics? parent, int? parentNumber, double margin, string alias,
        EvaluationLimits? limits = null)
    {
        if (candidate.Improvement is double improvement && improvement < margin)
            return $"not promoted to {alias}: the fixed held-out loss {Change(improvement)}, " + (margin < 0
                ? Invariant($"more than the tolerated regression {-margin:F4}")
                : improvement < 0 ? Invariant($"and the margin asks for an improvement of at least {margin:F4}") : Invariant($"less than the margin {margin:F4}"));
        if (candidate.Improvement is double gain && candidate.SeedNoise is double noise && gain < noise)
            return string.Create(CultureInfo.InvariantCulture,
                $"not promoted to {alias}: the fixed held-out loss {Change(gain)}, within the recipe's seed noise ({candidate.SeedLosses!.Count} seeds, spread {candidate.SeedSpread:F4}: two seeds land up to {noise:F4} apart)");
        // The interval of the change must lie below zero — or, with a negative margin (a regression tolerated), below
        // the tolerated regression: the evidence, not only the mean, must clear it.
        double tolerated = Math.Max(0, -margin);
        // Too few held-out conversations for an interval: an improvement asked for cannot be told from noise, so it is
        // not promoted on the margin alone (a person who knows better promotes it with 'twin promote'). A negative
        // margin asks for no improvement, only a bounded regression, and is taken as given.
        if (margin >= 0 && parent is not null && candidate.ComparableHeldOutExamples(parent) is int examples && examples < Fidelity.PairedBootstrap.MinimumItems)
            return string.Create(CultureInfo.InvariantCulture,
                $"not promoted to {alias}: only {examples} held-out conversation(s), fewer than the {Fidelity.PairedBootstrap.MinimumItems} an interval needs, so the change against version {parentNumber} cannot be told from noise (add held-out conversations, or promote it by hand with 'twin promote')");
        if (parent is not null && candidate.DifferenceFrom(parent) is { } difference && difference.Upper >= tolerated)
            return tolerated == 0
                ? $"not promoted to {alias}: {difference.Describe()} against version {parentNumber}, not an improvement beyond its noise"
                : string.Create(CultureInfo.InvariantCulture,
                    $"not promoted to {alias}: {difference.Describe()} against version {parentNumber}, possibly worse than the tolerated {tolerated:F4}");
        return candidate.Evaluation is { } evaluation && EvaluationReason(evaluation, parent?.Evaluation, parentNumber, limits ?? new EvaluationLimits()) is { } reason
            ? $"not promoted to {alias}: {reason}"
            : null;
    }

    /// <summary>
    /// Why an evaluated version's own figures (memorisation, forgetting against the base) would keep it from being
    /// promoted automatically, or null: a person may still promote it by hand, and is then told.
    /// </summary>
    public static string? EvaluationConcern(VersionMetrics metrics, EvaluationLimits? limits = null) =>
        metrics.Evaluation is { } evaluation ? EvaluationReason(evaluation, null, null, limits ?? new EvaluationLimits()) : null;

    static string? EvaluationReason(VersionEvaluation evaluation, VersionEvaluation? parent, int? parentNumber, EvaluationLimits limits)
    {
        var memorisation = evaluation.Memorisation;
        if (memorisation.TwinNgrams > 0 && memorisation.TwinVerbatimShare - memorisation.BaseVerbatimShare > limits.MaxVerbatimShareOverBase)
            return Invariant($"{memorisation.TwinVerbatimShare * 100:F1}% of its answers' word {memorisation.NgramLength}-grams are in its training answers ") +
                   Invariant($"(the base's {memorisation.BaseVerbatimShare * 100:F1}%), over the memorisation limit of {limits.MaxVerbatimShareOverBase * 100:F1} points above the base");
        if (memorisation.ExtractionTrials > 0 && memorisation.TwinExtractionRate - memorisation.BaseExtractionRate > limits.MaxExtractionRateOverBase)
            return Invariant($"it completed {memorisation.TwinExtracted} of {memorisation.ExtractionTrials} training answers word for word from their first half ") +
                   Invariant($"(the base {memorisation.BaseExtracted}), over the extraction limit of {limits.MaxExtractionRateOverBase * 100:F1} points above the base");
        if (memorisation.Canary is { } canary && canary.TwinBits - canary.BaseBits > limits.MaxCanaryExposure)
            return Invariant($"a canary planted {canary.Planted} has an exposure of {canary.TwinBits:F1} bits (the base's {canary.BaseBits:F1}), ") +
                   Invariant($"over the limit of {limits.MaxCanaryExposure:F1} bits above the base: the recipe memorises secrets seen that often");
        if (evaluation.Forgetting is not { } forgetting) return null;
        if (forgetting.Difference is { } fromBase && fromBase.Lower > limits.MaxForgetting)
            return Invariant($"on general text ({forgetting.Text}) {fromBase.Describe("documents")} against the base, ") +
                   Invariant($"more than the {limits.MaxForgetting:F3} nats per token of forgetting allowed");
        if (parent?.Forgetting is { } earlier && earlier.DocumentTargets.SequenceEqual(forgetting.DocumentTargets) && forgetting.Documents >= PairedBootstrap.MinimumItems)
        {
            var fromParent = PairedBootstrap.Compare(earlier.TwinDocumentLosses, forgetting.TwinDocumentLosses, forgetting.DocumentTargets.Select(target => (double)target).ToList());
            if (fromParent.Verdict == LossVerdict.Higher)
                return $"on general text ({forgetting.Text}) {fromParent.Describe("documents")} against version {parentNumber}: it lost general ability beyond its noise";
        }
        return null;
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>"improved by 0.0050", "got worse by 0.7804", "did not change": a negative improvement said as what it is.</summary>
    static string Change(double improvement) => improvement switch
    {
        > 0 => Invariant($"improved by {improvement:F4}"),
        < 0 => Invariant($"got worse by {-improvement:F4}"),
        _ => "did not change",
    };
}
