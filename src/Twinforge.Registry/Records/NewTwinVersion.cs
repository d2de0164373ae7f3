namespace Twinforge.Registry.Records;

/// <summary>
/// A request to reserve the next version of a twin. <see cref="ExpectedLatestVersion"/> is the latest version number
/// the caller saw when it decided to update; if another writer reserved a version since, the reservation fails with
/// a <see cref="Errors.RegistryConflictException"/> instead of silently building on a stale view.
/// </summary>
/// <example><code>registry.NextVersion(new NewTwinVersion(twin.Id, baseModel.Id, [new DatasetUse(data.Id, DatasetUse.Train)], recipeText, 42, "1.0", "ana") { ParentVersionId = v1.Id, ExpectedLatestVersion = 1 });</code></example>
public sealed record NewTwinVersion(
    long TwinId,
    long BaseModelId,
    IReadOnlyList<DatasetUse> Datasets,
    string RecipeText,
    long Seed,
    string CodeVersion,
    string CreatedBy)
{
    public long? ParentVersionId { get; init; }

    /// <summary>The twin's latest version number as last seen; null reserves whatever comes next.</summary>
    public int? ExpectedLatestVersion { get; init; }
}
