using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>What training a version produced: its metrics and its artifacts, already in the store.</summary>
public sealed record TrainedVersion(VersionMetrics Metrics, IReadOnlyList<ArtifactReference> Artifacts, bool Cancelled);
