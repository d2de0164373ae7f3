using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// A trained version as recorded, with its metrics and, when it was promoted automatically, the alias it now holds;
/// otherwise <see cref="PromotionNote"/> says why not (or is null when no promotion was asked for).
/// </summary>
public sealed record VersionOutcome(TwinVersion Version, VersionMetrics Metrics, Alias? PromotedTo, string? PromotionNote);
