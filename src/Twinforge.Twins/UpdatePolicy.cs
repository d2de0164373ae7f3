namespace Twinforge.Twins;

/// <summary>
/// How <see cref="TwinLifecycle.Update"/> builds and judges version N+1. <see cref="PromoteTo"/> names an alias to
/// move automatically, which happens only when the fixed held-out loss improves on the parent's by at least
/// <see cref="PromotionMargin"/> (nats per token) and beyond its noise: the 95% interval of a paired bootstrap over
/// the held-out conversations lies wholly on the side of improvement (when both versions have per-conversation losses). <see cref="ExpectedLatestVersion"/> is the latest version the
/// caller saw; if another writer added one since, the update fails with a conflict instead of racing it.
/// </summary>
public sealed record UpdatePolicy
{
    /// <summary>The recipe for the new version; null keeps the parent's.</summary>
    public TwinRecipe? Recipe { get; init; }

    public string? PromoteTo { get; init; }

    public double PromotionMargin { get; init; } = 0.01;

    public int? ExpectedLatestVersion { get; init; }

    /// <summary>
    /// Runs of the recipe with different seeds (the version keeps the first; the others are trained and discarded):
    /// with more than one, the spread of their fixed held-out losses is recorded, and promotion also needs the
    /// improvement to exceed what another seed could give (<see cref="VersionMetrics.SeedNoise"/>).
    /// </summary>
    public int Seeds { get; init; } = 1;
}
