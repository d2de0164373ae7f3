using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// Everything one version trains on, resolved from the registry: the base model, the data this version adds, the
/// older data it replays, the twin's fixed held-out set, the parent it continues from and the recipe.
/// </summary>
public sealed record VersionPlan(
    BaseModel BaseModel,
    IReadOnlyList<Dataset> NewData,
    IReadOnlyList<Dataset> ReplayData,
    Dataset FixedHeldOut,
    TwinVersion? Parent,
    TwinRecipe Recipe)
{
    /// <summary>How the version's record lists its datasets.</summary>
    public IReadOnlyList<DatasetUse> DatasetUses =>
    [
        .. NewData.Select(d => new DatasetUse(d.Id, DatasetUse.Train)),
        .. ReplayData.Select(d => new DatasetUse(d.Id, DatasetUse.Replay)),
        new DatasetUse(FixedHeldOut.Id, DatasetUse.HeldOut),
    ];
}
