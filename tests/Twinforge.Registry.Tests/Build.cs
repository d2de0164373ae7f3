using System.Text;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Tests;

/// <summary>Short ways to put typical records into a registry for a test.</summary>
internal static class Build
{
    public const string Recipe = """{"lora":{"rank":4},"steps":20,"learning_rate":0.001}""";

    public static Creator ConsentingCreator(ITwinRegistry registry, string name, string scope = ConsentScopes.Text)
    {
        var creator = registry.CreateCreator(name);
        registry.GiveConsent(creator.Id, scope, "signed release form");
        return creator;
    }

    /// <summary>A dataset whose content hash is the SHA-256 of <paramref name="content"/> (a stand-in for real files).</summary>
    public static Dataset Dataset(ITwinRegistry registry, Creator creator, string content, string scope = ConsentScopes.Text, string? storedHash = null,
        bool requireConsent = true) =>
        registry.RegisterDataset(new NewDataset(creator.Id, ContentHash.Of(Encoding.UTF8.GetBytes(content)), scope,
            [$"{creator.Name}-{content.Length}.jsonl"], $$"""{"examples":{{content.Length}}}""") { StoredArtifactHash = storedHash, RequireValidConsent = requireConsent });

    public static BaseModel BaseModel(ITwinRegistry registry, string name = "tiny-base") =>
        registry.CreateBaseModel(new NewBaseModel(name, $"/models/{name}", null, "llama", 1_234_567));

    public static NewTwinVersion Request(Twin twin, BaseModel baseModel, IReadOnlyList<DatasetUse> datasets, TwinVersion? parent = null) =>
        new(twin.Id, baseModel.Id, datasets, Recipe, 42, "test-1.0", "tester") { ParentVersionId = parent?.Id };

    /// <summary>Reserves, trains and finishes a version, recording the given artifacts.</summary>
    public static TwinVersion SucceededVersion(ITwinRegistry registry, Twin twin, BaseModel baseModel, IReadOnlyList<DatasetUse> datasets,
        TwinVersion? parent = null, params ArtifactReference[] artifacts)
    {
        var version = registry.NextVersion(Request(twin, baseModel, datasets, parent));
        registry.SetVersionStatus(version.Id, VersionStatus.Training);
        registry.SetVersionArtifacts(version.Id, artifacts);
        registry.SetVersionMetrics(version.Id, """{"heldout_loss":1.5}""");
        return registry.SetVersionStatus(version.Id, VersionStatus.Succeeded);
    }

    public static DatasetUse Train(Dataset dataset) => new(dataset.Id, DatasetUse.Train);

    /// <summary>A stand-in artifact hash for tests that record artifacts without storing them.</summary>
    public static string Hash(string seed) => ContentHash.Of(Encoding.UTF8.GetBytes(seed));
}
