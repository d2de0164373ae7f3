namespace Twinforge.Registry.Records;

/// <summary>
/// One trained (or training, or failed) version of a twin: number 1..N within the twin, what it was built from
/// (parent version, base model, datasets with their roles, the full resolved recipe, seed, code version), what it
/// produced (metrics, artifacts) and its status. A deleted version keeps only its identity: its recipe, metrics,
/// datasets and artifacts are erased with the data it was derived from. <see cref="RecipeText"/> is the full resolved
/// recipe exactly as saved with the run; <see cref="MetricsJson"/> is a JSON object, once known.
/// </summary>
public sealed record TwinVersion(
    long Id,
    long TwinId,
    int Number,
    long? ParentVersionId,
    long BaseModelId,
    IReadOnlyList<DatasetUse> Datasets,
    string RecipeText,
    long Seed,
    string CodeVersion,
    string? MetricsJson,
    IReadOnlyList<ArtifactReference> Artifacts,
    VersionStatus Status,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt);
