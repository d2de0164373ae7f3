namespace Twinforge.Registry.Records;

/// <summary>
/// Everything a version was built from: its base model and datasets, and the same for each ancestor up the parent
/// chain, nearest first.
/// </summary>
public sealed record VersionLineage(VersionSources Version, IReadOnlyList<VersionSources> Ancestors)
{
    /// <summary>Every dataset used by the version or any ancestor, each once.</summary>
    public IReadOnlyList<Dataset> AllDatasets =>
        [.. new[] { Version }.Concat(Ancestors).SelectMany(s => s.Datasets).Select(u => u.Dataset).DistinctBy(d => d.Id)];
}

/// <summary>One version with its base model and the datasets it used directly.</summary>
public sealed record VersionSources(TwinVersion Version, BaseModel BaseModel, IReadOnlyList<UsedDataset> Datasets);

/// <summary>A dataset with the role it played in a version.</summary>
public sealed record UsedDataset(Dataset Dataset, string Role);
