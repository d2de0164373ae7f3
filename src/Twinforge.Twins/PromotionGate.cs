using System.Globalization;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins;

/// <summary>
/// Whether a new version may take an alias automatically: its fixed held-out loss must improve on its parent's by
/// at least the margin, and — when both have per-conversation losses — beyond the noise of which conversations are
/// held out: the 95% interval of a paired bootstrap of the change wholly below zero (below the tolerated regression
/// when the margin is negative). Each refusal says which test failed and by how much.
/// </summary>
public static class PromotionGate
{
    /// <returns>Null when the version may be promoted, else the reason it may not.</returns>
    public static string? Refusal(VersionMetrics candidate, VersionMetrics? parent, int? parentNumber, double margin, string alias)
    {
        if (candidate.Improvement is double improvement && improvement < margin)
            return string.Create(CultureInfo.InvariantCulture,
                $"not promoted to {alias}: the fixed held-out loss improved by {improvement:F4}, less than the margin {margin:F4}");
        // The interval of the change must lie below zero — or, with a negative margin (a regression tolerated), below
        // the tolerated regression: the evidence, not only the mean, must clear it.
        double tolerated = Math.Max(0, -margin);
        if (parent is not null && candidate.DifferenceFrom(parent) is { } difference && difference.Upper >= tolerated)
            return tolerated == 0
                ? $"not promoted to {alias}: {difference.Describe()} against version {parentNumber}, not an improvement beyond its noise"
                : string.Create(CultureInfo.InvariantCulture,
                    $"not promoted to {alias}: {difference.Describe()} against version {parentNumber}, possibly worse than the tolerated {tolerated:F4}");
        return null;
    }
}
