using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>Every kind of record reads back as written, from a second registry instance (a second process).</summary>
public abstract class RecordRoundTripTests(RegistryBackend backend) : RegistryTest(backend)
{
    static readonly DateTimeOffset Fixed = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    [SkippableFact]
    public void Creators_and_consent_records_round_trip()
    {
        var clock = new FixedClock(Fixed.AddTicks(8979)); // sub-microsecond ticks are dropped: both back-ends store microseconds
        using var writer = Open(new RegistryOptions { Clock = clock });
        var ana = writer.CreateCreator("Ana Lima");
        var consent = writer.GiveConsent(ana.Id, ConsentScopes.Voice, "recorded session 2025-03");

        using var reader = Open();
        var read = reader.GetCreator(ana.Id);
        Assert.Equal(ana, read);
        Assert.Equal(Fixed.AddTicks(8970), read.CreatedAt);
        Assert.Equal(ana, reader.GetCreatorByName("Ana Lima"));
        var readConsent = Assert.Single(reader.ListConsents(ana.Id));
        Assert.Equal(consent, readConsent);
        Assert.Equal((ana.Id, "voice", "recorded session 2025-03", true), (readConsent.CreatorId, readConsent.Scope, readConsent.Note, readConsent.IsValid));
        Assert.True(reader.HasValidConsent(ana.Id, ConsentScopes.Voice));
        Assert.False(reader.HasValidConsent(ana.Id, ConsentScopes.Text));
    }

    [SkippableFact]
    public void Giving_the_same_consent_twice_keeps_one_record_and_all_covers_every_scope()
    {
        using var registry = Open();
        var ana = registry.CreateCreator("ana");

        var first = registry.GiveConsent(ana.Id, ConsentScopes.All);
        var again = registry.GiveConsent(ana.Id, ConsentScopes.All, "ignored: already valid");

        Assert.Equal(first, again);
        Assert.Single(registry.ListConsents(ana.Id));
        Assert.True(registry.HasValidConsent(ana.Id, ConsentScopes.Face));
        Assert.True(registry.HasValidConsent(ana.Id, ConsentScopes.Text));
    }

    [SkippableFact]
    public void Datasets_round_trip_and_the_same_content_registers_once()
    {
        using var writer = Open();
        var ana = Build.ConsentingCreator(writer, "ana");
        var stored = Build.Hash("stored copy");
        var request = new NewDataset(ana.Id, Build.Hash("chats"), ConsentScopes.Text, ["chats-2024.jsonl", "chats 2025.jsonl"],
            """{"examples": 120, "tokens": 4096}""") { StoredArtifactHash = stored };
        var dataset = writer.RegisterDataset(request);
        var again = writer.RegisterDataset(request with { SourceFiles = ["renamed.jsonl"] });

        using var reader = Open();
        var read = reader.GetDataset(dataset.Id);
        Assert.Equal(dataset.Id, again.Id);
        Assert.Equal(["chats-2024.jsonl", "chats 2025.jsonl"], read.SourceFiles);
        Assert.Equal((ana.Id, Build.Hash("chats"), "text", """{"examples": 120, "tokens": 4096}""", stored, dataset.CreatedAt),
            (read.CreatorId, read.ContentHash, read.ConsentScope, read.StatisticsJson, read.StoredArtifactHash, read.CreatedAt));
        Assert.Equal(dataset.Id, reader.FindDatasetByHash(ana.Id, Build.Hash("chats"))!.Id);
        Assert.Null(reader.FindDatasetByHash(ana.Id, Build.Hash("other")));
        Assert.Equal([dataset.Id], reader.ListDatasets(ana.Id).Select(d => d.Id));
    }

    [SkippableFact]
    public void Base_models_and_twins_round_trip()
    {
        using var writer = Open();
        var ana = writer.CreateCreator("ana");
        var byPath = writer.CreateBaseModel(new NewBaseModel("qwen-tiny", "/models/qwen-tiny", null, "qwen2", 494_032_768));
        var byHash = writer.CreateBaseModel(new NewBaseModel("built-in", null, Build.Hash("weights"), "llama", 1_000));
        var twin = writer.CreateTwin(ana.Id, "ana-chat");

        using var reader = Open();
        Assert.Equal(byPath, reader.GetBaseModel(byPath.Id));
        Assert.Equal(byHash, reader.GetBaseModelByName("built-in"));
        Assert.Equal([byPath, byHash], reader.ListBaseModels());
        Assert.Equal(twin, reader.GetTwin(twin.Id));
        Assert.Equal(twin, reader.GetTwinByName(ana.Id, "ana-chat"));
        Assert.Equal((0, 1L), (twin.LatestVersion, twin.RowVersion));
        Assert.Equal([twin], reader.ListTwins(ana.Id));
    }

    [SkippableFact]
    public void A_version_round_trips_with_everything_it_was_built_from_and_produced()
    {
        using var writer = Open();
        var ana = Build.ConsentingCreator(writer, "ana");
        var train = Build.Dataset(writer, ana, "train data");
        var heldOut = Build.Dataset(writer, ana, "held-out data");
        var baseModel = Build.BaseModel(writer);
        var twin = writer.CreateTwin(ana.Id, "ana-chat");
        const string recipe = "{\n  \"steps\": 20,\n  \"lr\": 1e-3\n}\n"; // kept byte for byte, whitespace included

        var reserved = writer.NextVersion(new NewTwinVersion(twin.Id, baseModel.Id,
            [new DatasetUse(train.Id, DatasetUse.Train), new DatasetUse(heldOut.Id, DatasetUse.HeldOut)], recipe, -7, "0.3.1+abc123", "ana's operator"));
        writer.SetVersionStatus(reserved.Id, VersionStatus.Training);
        var artifacts = new[] { new ArtifactReference(ArtifactReference.Adapter, Build.Hash("adapter")), new ArtifactReference(ArtifactReference.Report, Build.Hash("report")) };
        writer.SetVersionArtifacts(reserved.Id, artifacts);
        writer.SetVersionMetrics(reserved.Id, """{"heldout_loss": 1.25, "perplexity": 3.49}""");
        writer.SetVersionStatus(reserved.Id, VersionStatus.Succeeded);

        using var reader = Open();
        var read = reader.GetVersion(reserved.Id);
        Assert.Equal((twin.Id, 1, (long?)null, baseModel.Id, recipe, -7L, "0.3.1+abc123", "ana's operator", VersionStatus.Succeeded),
            (read.TwinId, read.Number, read.ParentVersionId, read.BaseModelId, read.RecipeText, read.Seed, read.CodeVersion, read.CreatedBy, read.Status));
        Assert.Equal([new DatasetUse(train.Id, "train"), new DatasetUse(heldOut.Id, "heldout")], read.Datasets);
        Assert.Equal(artifacts, read.Artifacts);
        Assert.Equal("""{"heldout_loss": 1.25, "perplexity": 3.49}""", read.MetricsJson);
        Assert.Equal(reserved.CreatedAt, read.CreatedAt);
        Assert.Null(read.DeletedAt);
        Assert.Equal(read.Id, reader.GetVersionByNumber(twin.Id, 1).Id);
        Assert.Equal(1, reader.GetTwin(twin.Id).LatestVersion);
    }

    [SkippableFact]
    public void Versions_are_numbered_one_to_n_per_twin()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "data");
        var baseModel = Build.BaseModel(registry);
        var chat = registry.CreateTwin(ana.Id, "chat");
        var mail = registry.CreateTwin(ana.Id, "mail");

        var v1 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(data)]);
        var v2 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(data)], parent: v1);
        var m1 = registry.NextVersion(Build.Request(mail, baseModel, [Build.Train(data)]));
        var v3 = registry.NextVersion(Build.Request(chat, baseModel, [Build.Train(data)], parent: v2) with { ExpectedLatestVersion = 2 });

        Assert.Equal([1, 2, 3], registry.ListVersions(chat.Id).Select(v => v.Number));
        Assert.Equal((1, VersionStatus.Pending), (m1.Number, m1.Status));
        Assert.Equal(v2.Id, v3.ParentVersionId);
        Assert.Equal((3, 4L), (registry.GetTwin(chat.Id).LatestVersion, registry.GetTwin(chat.Id).RowVersion));
    }

    [SkippableFact]
    public void Artifacts_can_be_replaced_and_a_failed_run_keeps_its_report()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var twin = registry.CreateTwin(ana.Id, "chat");
        var version = registry.NextVersion(Build.Request(twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "d"))]));

        registry.SetVersionArtifacts(version.Id, [new ArtifactReference("adapter", Build.Hash("a1"))]);
        registry.SetVersionArtifacts(version.Id, [new ArtifactReference("report", Build.Hash("r1"))]);
        var failed = registry.SetVersionStatus(version.Id, VersionStatus.Failed);

        Assert.Equal(VersionStatus.Failed, failed.Status);
        Assert.Equal([new ArtifactReference("report", Build.Hash("r1"))], failed.Artifacts);
    }
}

public sealed class SqliteRecordRoundTripTests() : RecordRoundTripTests(new SqliteBackend());

public sealed class PostgresRecordRoundTripTests() : RecordRoundTripTests(new PostgresBackend());
