using System.Text;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>Only recorded artifacts are served; orphans (written, never recorded) are collected after a grace period.</summary>
public abstract class ArtifactServingTests(RegistryBackend backend) : RegistryTest(backend)
{
    [SkippableFact]
    public void An_orphan_is_never_served_and_a_recorded_artifact_is()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var ana = Build.ConsentingCreator(registry, "ana");
        var twin = registry.CreateTwin(ana.Id, "chat");
        var recorded = store.Put(new MemoryStream(Encoding.UTF8.GetBytes("recorded adapter")));
        var orphan = store.Put(new MemoryStream(Encoding.UTF8.GetBytes("written, then the process died")));
        Build.SucceededVersion(registry, twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "d"))], null,
            new ArtifactReference("adapter", recorded));
        var serving = new RecordedArtifacts(registry, store);

        using (var read = new StreamReader(serving.OpenRead(recorded))) Assert.Equal("recorded adapter", read.ReadToEnd());
        var error = Assert.Throws<ArtifactNotRecordedException>(() => serving.OpenRead(orphan));
        Assert.Contains(orphan, error.Message);
    }

    [SkippableFact]
    public void Garbage_collection_deletes_old_orphans_and_keeps_recorded_and_young_artifacts()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        string Put(string content) => store.Put(new MemoryStream(Encoding.UTF8.GetBytes(content)));
        var ana = Build.ConsentingCreator(registry, "ana");
        var storedData = Put("ana's stored chats");
        var data = Build.Dataset(registry, ana, "ana's stored chats", storedHash: storedData);
        var weights = Put("base weights");
        var baseModel = registry.CreateBaseModel(new NewBaseModel("stored-base", null, weights, "llama", 10));
        var adapter = Put("adapter");
        var oldOrphan = Put("old orphan");
        var youngOrphan = Put("young orphan, its job is about to record it");
        Build.SucceededVersion(registry, registry.CreateTwin(ana.Id, "chat"), baseModel, [Build.Train(data)], null, new ArtifactReference("adapter", adapter));
        var longAgo = DateTime.UtcNow.AddDays(-2);
        foreach (var hash in new[] { storedData, weights, adapter, oldOrphan }) File.SetLastWriteTimeUtc(store.PathOf(hash), longAgo);

        var deleted = ArtifactGarbageCollector.CollectGarbage(registry, store, minAge: TimeSpan.FromHours(1));

        Assert.Equal([oldOrphan], deleted);
        Assert.Equal(new[] { storedData, weights, adapter, youngOrphan }.Order(StringComparer.Ordinal), store.List().Select(a => a.ContentHash));
    }

    [SkippableFact]
    public void Re_putting_old_content_renews_it_so_collection_spares_it_until_it_is_recorded()
    {
        using var registry = Open();
        var store = new LocalArtifactStore(Scratch.Sub("artifacts"));
        var hash = store.Put(new MemoryStream(Encoding.UTF8.GetBytes("same bytes")));
        File.SetLastWriteTimeUtc(store.PathOf(hash), DateTime.UtcNow.AddDays(-2));

        store.Put(new MemoryStream(Encoding.UTF8.GetBytes("same bytes")));

        Assert.Empty(ArtifactGarbageCollector.CollectGarbage(registry, store, minAge: TimeSpan.FromHours(1)));
        Assert.True(store.Exists(hash));
    }
}

public sealed class SqliteArtifactServingTests() : ArtifactServingTests(new SqliteBackend());

public sealed class PostgresArtifactServingTests() : ArtifactServingTests(new PostgresBackend());
