namespace Twinforge.Registry.Errors;

/// <summary>A version would be built on a dataset whose creator has no valid consent for the dataset's scope.</summary>
public sealed class ConsentRequiredException(string creatorName, long datasetId, string scope)
    : RegistryException($"creator '{creatorName}' has no valid '{scope}' consent for dataset {datasetId}: record consent before training on it")
{
    public string CreatorName { get; } = creatorName;
    public long DatasetId { get; } = datasetId;
    public string Scope { get; } = scope;
}
