using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class LineageTests(RegistryBackend backend) : RegistryTest(backend)
{
    [SkippableFact]
    public void A_versions_lineage_lists_its_sources_and_each_ancestors_nearest_first()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var first = Build.Dataset(registry, ana, "first batch");
        var second = Build.Dataset(registry, ana, "second batch");
        var third = Build.Dataset(registry, ana, "third batch");
        var heldOut = Build.Dataset(registry, ana, "held out");
        var smallBase = Build.BaseModel(registry, "small");
        var twin = registry.CreateTwin(ana.Id, "chat");
        var v1 = Build.SucceededVersion(registry, twin, smallBase, [Build.Train(first), new DatasetUse(heldOut.Id, DatasetUse.HeldOut)]);
        var v2 = Build.SucceededVersion(registry, twin, smallBase, [Build.Train(second), new DatasetUse(first.Id, DatasetUse.Replay)], v1);
        var v3 = Build.SucceededVersion(registry, twin, smallBase, [Build.Train(third), new DatasetUse(heldOut.Id, DatasetUse.HeldOut)], v2);

        var lineage = registry.GetLineage(v3.Id);

        Assert.Equal(v3.Id, lineage.Version.Version.Id);
        Assert.Equal("small", lineage.Version.BaseModel.Name);
        Assert.Equal([(third.Id, "train"), (heldOut.Id, "heldout")], lineage.Version.Datasets.Select(u => (u.Dataset.Id, u.Role)));
        Assert.Equal([v2.Id, v1.Id], lineage.Ancestors.Select(a => a.Version.Id));
        Assert.Equal([(second.Id, "train"), (first.Id, "replay")], lineage.Ancestors[0].Datasets.Select(u => (u.Dataset.Id, u.Role)));
        Assert.Equal([(first.Id, "train"), (heldOut.Id, "heldout")], lineage.Ancestors[1].Datasets.Select(u => (u.Dataset.Id, u.Role)));
        Assert.Equal(new[] { first.Id, second.Id, third.Id, heldOut.Id }.Order(), lineage.AllDatasets.Select(d => d.Id).Order());
        Assert.Empty(registry.GetLineage(v1.Id).Ancestors);
    }

    [SkippableFact]
    public void Everything_built_from_a_dataset_includes_descendants_of_versions_that_used_it()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var early = Build.Dataset(registry, ana, "early");
        var late = Build.Dataset(registry, ana, "late");
        var baseModel = Build.BaseModel(registry);
        var chat = registry.CreateTwin(ana.Id, "chat");
        var mail = registry.CreateTwin(ana.Id, "mail");
        var v1 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(early)]);
        var v2 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(late)], v1); // uses only "late", but its parent used "early"
        var v3 = Build.SucceededVersion(registry, chat, baseModel, [Build.Train(late)], v2);
        var m1 = Build.SucceededVersion(registry, mail, baseModel, [Build.Train(late)]);

        Assert.Equal([v1.Id, v2.Id, v3.Id], registry.VersionsBuiltFromDataset(early.Id).Select(v => v.Id));
        Assert.Equal([v2.Id, v3.Id, m1.Id], registry.VersionsBuiltFromDataset(late.Id).Select(v => v.Id));
    }

    [SkippableFact]
    public void Everything_built_from_a_creator_spans_twins_and_leaves_other_creators_out()
    {
        using var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var bo = Build.ConsentingCreator(registry, "bo");
        var anaData = Build.Dataset(registry, ana, "ana's words");
        var boData = Build.Dataset(registry, bo, "bo's words");
        var baseModel = Build.BaseModel(registry);
        var anaTwin = registry.CreateTwin(ana.Id, "ana-chat");
        var boTwin = registry.CreateTwin(bo.Id, "bo-chat");
        var a1 = Build.SucceededVersion(registry, anaTwin, baseModel, [Build.Train(anaData)]);
        var a2 = Build.SucceededVersion(registry, anaTwin, baseModel, [Build.Train(boData)], a1);
        var b1 = Build.SucceededVersion(registry, boTwin, baseModel, [Build.Train(boData)]);
        var mixed = Build.SucceededVersion(registry, boTwin, baseModel, [Build.Train(boData), new DatasetUse(anaData.Id, DatasetUse.Replay)], b1);

        Assert.Equal([a1.Id, a2.Id, mixed.Id], registry.VersionsBuiltFromCreator(ana.Id).Select(v => v.Id));
        Assert.Equal([a2.Id, b1.Id, mixed.Id], registry.VersionsBuiltFromCreator(bo.Id).Select(v => v.Id));
    }
}

public sealed class SqliteLineageTests() : LineageTests(new SqliteBackend());

public sealed class PostgresLineageTests() : LineageTests(new PostgresBackend());
