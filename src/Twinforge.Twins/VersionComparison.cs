using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>Two versions of one twin side by side: their records and metrics (null for a version that has none).</summary>
public sealed record VersionComparison(TwinVersion A, VersionMetrics? MetricsA, TwinVersion B, VersionMetrics? MetricsB)
{
    /// <summary>B's fixed held-out loss minus A's: negative means B is better on the data every version is judged on.</summary>
    public double? FixedHeldOutLossChange => MetricsA is { } a && MetricsB is { } b ? b.FixedHeldOutLoss - a.FixedHeldOutLoss : null;

    /// <summary>B against A conversation by conversation on the fixed held-out set, with its 95% interval and verdict; null when either lacks per-conversation losses.</summary>
    public Fidelity.LossDifference? FixedHeldOutDifference => MetricsA is { } a && MetricsB is { } b ? b.DifferenceFrom(a) : null;

    /// <summary>Why there is no <see cref="FixedHeldOutDifference"/> when both versions have metrics, in words; else null.</summary>
    public string? NoIntervalReason => MetricsA is not { } a || MetricsB is not { } b || FixedHeldOutDifference is not null ? null
        : a.FixedHeldOutExampleTargets is null || b.FixedHeldOutExampleTargets is null ? "a version recorded before per-conversation losses were"
        : !a.FixedHeldOutExampleTargets.SequenceEqual(b.FixedHeldOutExampleTargets) ? "their held-out conversations were scored with different tokens"
        : $"only {b.FixedHeldOutExampleTargets.Count} held-out conversations, fewer than the {Fidelity.PairedBootstrap.MinimumItems} an interval needs";
}
