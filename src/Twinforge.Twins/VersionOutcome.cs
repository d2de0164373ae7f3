using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// A trained version as recorded, with its metrics and, when it was promoted automatically, the alias it now holds;
/// otherwise <see cref="PromotionNote"/> says why not (or is null when no promotion was asked for).
/// <see cref="FromParent"/> compares it with its parent conversation by conversation on the fixed held-out set (null
/// for a first version, or a parent recorded without per-conversation losses).
/// </summary>
public sealed record VersionOutcome(TwinVersion Version, VersionMetrics Metrics, Alias? PromotedTo, string? PromotionNote,
    Fidelity.LossDifference? FromParent = null);
