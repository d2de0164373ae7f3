namespace Twinforge.Registry.Errors;

/// <summary>
/// A creator's data would be registered, or a version built on it, without valid consent for the data's scope.
/// </summary>
public sealed class ConsentRequiredException : RegistryException
{
    /// <summary>A version would be built on dataset <paramref name="datasetId"/>.</summary>
    public ConsentRequiredException(string creatorName, long datasetId, string scope)
        : base($"creator '{creatorName}' has no valid '{scope}' consent for dataset {datasetId}: record consent before training on it")
    {
        CreatorName = creatorName;
        DatasetId = datasetId;
        Scope = scope;
    }

    /// <summary>New data of the creator would be registered.</summary>
    public ConsentRequiredException(string creatorName, string scope)
        : base($"creator '{creatorName}' has no valid '{scope}' consent: record consent before adding their data")
    {
        CreatorName = creatorName;
        Scope = scope;
    }

    public string CreatorName { get; }

    /// <summary>The dataset a version would have used, or null when the refusal was of new data.</summary>
    public long? DatasetId { get; }

    public string Scope { get; }
}
