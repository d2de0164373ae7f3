using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>Two registry instances on one database stand for two processes updating the same twin.</summary>
public abstract class ConcurrencyTests(RegistryBackend backend) : RegistryTest(backend)
{
    sealed record Setup(Twin Twin, BaseModel BaseModel, Dataset Data, TwinVersion V1);

    static Setup TwinWithOneVersion(ITwinRegistry registry)
    {
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "d");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "chat");
        return new Setup(twin, baseModel, data, Build.SucceededVersion(registry, twin, baseModel, [Build.Train(data)]));
    }

    [SkippableFact]
    public void Of_two_processes_updating_one_twin_from_the_same_version_one_wins_and_the_other_gets_a_conflict()
    {
        using var first = Open();
        using var second = Open();
        var (twin, baseModel, data, v1) = TwinWithOneVersion(first);
        // Both read the twin at version 1 and decide to update from it.
        var seenByFirst = first.GetTwin(twin.Id).LatestVersion;
        var seenBySecond = second.GetTwin(twin.Id).LatestVersion;

        var winner = first.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)], v1) with { ExpectedLatestVersion = seenByFirst });
        var error = Assert.Throws<RegistryConflictException>(() =>
            second.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)], v1) with { ExpectedLatestVersion = seenBySecond }));

        Assert.Equal(2, winner.Number);
        Assert.Equal("twin 'chat' is now at version 2, but this update expected version 1 to be the latest: another writer created a version first; "
                     + "nothing was recorded — re-read the twin and try again", error.Message);
        Assert.Equal([1, 2], second.ListVersions(twin.Id).Select(v => v.Number));
    }

    [SkippableFact]
    public void Racing_updates_from_parallel_processes_produce_exactly_one_new_version()
    {
        using var setupRegistry = Open();
        var (twin, baseModel, data, v1) = TwinWithOneVersion(setupRegistry);
        const int writers = 4;
        var registries = Enumerable.Range(0, writers).Select(_ => Open()).ToArray();
        using var start = new Barrier(writers);

        var outcomes = new object[writers];
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, i =>
        {
            start.SignalAndWait();
            try
            {
                outcomes[i] = registries[i].NextVersion(Build.Request(twin, baseModel, [Build.Train(data)], v1) with { ExpectedLatestVersion = 1 });
            }
            catch (RegistryConflictException conflict)
            {
                outcomes[i] = conflict;
            }
        });

        Assert.Equal(2, Assert.Single(outcomes.OfType<TwinVersion>()).Number);
        Assert.Equal(writers - 1, outcomes.OfType<RegistryConflictException>().Count());
        Assert.Equal([1, 2], setupRegistry.ListVersions(twin.Id).Select(v => v.Number));
        Assert.Equal(2, setupRegistry.GetTwin(twin.Id).LatestVersion);
    }

    [SkippableFact]
    public void Creators_registering_the_same_content_at_once_leave_it_with_exactly_one_of_them()
    {
        using var setupRegistry = Open();
        const int writers = 4, rounds = 5;
        var creators = Enumerable.Range(0, writers).Select(i => Build.ConsentingCreator(setupRegistry, $"creator-{i}")).ToArray();
        var registries = Enumerable.Range(0, writers).Select(_ => Open()).ToArray();
        using var start = new Barrier(writers);

        // Each round, every creator registers one new content at the same moment; without a lock on the content each
        // would find the others' rows absent and all would succeed.
        for (var round = 0; round < rounds; round++)
        {
            var content = $"the same conversation, round {round}";
            var outcomes = new object[writers];
            Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, i =>
            {
                start.SignalAndWait();
                try
                {
                    outcomes[i] = Build.Dataset(registries[i], creators[i], content);
                }
                catch (DuplicateEntityException refused)
                {
                    outcomes[i] = refused;
                }
            });

            var holder = Assert.Single(outcomes.OfType<Dataset>());
            Assert.Equal(writers - 1, outcomes.OfType<DuplicateEntityException>().Count());
            Assert.Single(setupRegistry.ListDatasets(), dataset => dataset.ContentHash == holder.ContentHash);
        }
    }

    [SkippableFact]
    public void Parallel_reservations_without_an_expected_version_all_get_distinct_numbers()
    {
        using var setupRegistry = Open();
        var (twin, baseModel, data, _) = TwinWithOneVersion(setupRegistry);
        const int writers = 4;
        var registries = Enumerable.Range(0, writers).Select(_ => Open()).ToArray();

        var numbers = new int[writers];
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers },
            i => numbers[i] = registries[i].NextVersion(Build.Request(twin, baseModel, [Build.Train(data)])).Number);

        Assert.Equal([2, 3, 4, 5], numbers.Order());
    }

    [SkippableFact]
    public void Two_processes_promoting_from_the_same_view_of_an_alias_one_wins()
    {
        using var first = Open();
        using var second = Open();
        var (twin, baseModel, data, v1) = TwinWithOneVersion(first);
        var v2 = Build.SucceededVersion(first, twin, baseModel, [Build.Train(data)], v1);
        first.SetAlias(twin.Id, "production", v1.Id, "setup");
        var seen = second.GetAlias(twin.Id, "production").RowVersion;

        first.SetAlias(twin.Id, "production", v2.Id, "first", expectedRowVersion: seen);
        Assert.Throws<RegistryConflictException>(() => second.SetAlias(twin.Id, "production", v1.Id, "second", expectedRowVersion: seen));

        Assert.Equal(v2.Id, second.ResolveAlias(twin.Id, "production").Id);
    }
}

public sealed class SqliteConcurrencyTests() : ConcurrencyTests(new SqliteBackend());

public sealed class PostgresConcurrencyTests() : ConcurrencyTests(new PostgresBackend());
