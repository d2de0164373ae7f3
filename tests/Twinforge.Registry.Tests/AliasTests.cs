using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class AliasTests(RegistryBackend backend) : RegistryTest(backend)
{
    sealed record Chain(ITwinRegistry Registry, Twin Twin, TwinVersion V1, TwinVersion V2, TwinVersion V3);

    /// <summary>A twin with three succeeded versions, each built on the one before.</summary>
    Chain ThreeVersions()
    {
        var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "d");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "chat");
        var v1 = Build.SucceededVersion(registry, twin, baseModel, [Build.Train(data)]);
        var v2 = Build.SucceededVersion(registry, twin, baseModel, [Build.Train(data)], v1);
        var v3 = Build.SucceededVersion(registry, twin, baseModel, [Build.Train(data)], v2);
        return new Chain(registry, twin, v1, v2, v3);
    }

    [SkippableFact]
    public void An_alias_resolves_to_the_version_it_was_set_to()
    {
        var (registry, twin, v1, _, _) = ThreeVersions();

        var alias = registry.SetAlias(twin.Id, "production", v1.Id, "ana");

        Assert.Equal((twin.Id, "production", v1.Id, 1L, "ana"), (alias.TwinId, alias.Name, alias.VersionId, alias.RowVersion, alias.UpdatedBy));
        Assert.Equal(v1.Id, registry.ResolveAlias(twin.Id, "production").Id);
        Assert.Equal([alias], registry.ListAliases(twin.Id));
    }

    [SkippableFact]
    public void Promoting_a_failed_or_unfinished_version_is_refused()
    {
        var (registry, twin, v1, _, v3) = ThreeVersions();
        var pending = registry.NextVersion(Build.Request(twin, registry.GetBaseModel(v1.BaseModelId), v1.Datasets, v3));
        var failed = registry.NextVersion(Build.Request(twin, registry.GetBaseModel(v1.BaseModelId), v1.Datasets, v3));
        registry.SetVersionStatus(failed.Id, VersionStatus.Failed);

        var refusedFailed = Assert.Throws<VersionNotPromotableException>(() => registry.SetAlias(twin.Id, "production", failed.Id, "ana"));
        var refusedPending = Assert.Throws<VersionNotPromotableException>(() => registry.SetAlias(twin.Id, "production", pending.Id, "ana"));

        Assert.Equal("version 5 of twin 'chat' failed; only a succeeded version can become 'production'", refusedFailed.Message);
        Assert.Contains("is pending", refusedPending.Message);
        Assert.Empty(registry.ListAliases(twin.Id));
    }

    [SkippableFact]
    public void Rollback_moves_the_alias_back_through_its_earlier_targets()
    {
        var (registry, twin, v1, v2, v3) = ThreeVersions();
        registry.SetAlias(twin.Id, "production", v1.Id, "ana");
        registry.SetAlias(twin.Id, "production", v2.Id, "ana");
        registry.SetAlias(twin.Id, "production", v3.Id, "ana");

        var first = registry.RollbackAlias(twin.Id, "production", "ops");
        var second = registry.RollbackAlias(twin.Id, "production", "ops");

        Assert.Equal((v2.Id, 4L, "ops"), (first.VersionId, first.RowVersion, first.UpdatedBy));
        Assert.Equal(v1.Id, second.VersionId);
        Assert.Equal(v1.Id, registry.ResolveAlias(twin.Id, "production").Id);
        var error = Assert.Throws<NoPreviousAliasTargetException>(() => registry.RollbackAlias(twin.Id, "production", "ops"));
        Assert.Equal("alias 'production' of twin 'chat' has no previous version to roll back to", error.Message);
        var history = registry.GetAliasHistory(twin.Id, "production");
        Assert.Equal(
            [(AliasChangeKind.Set, (long?)v1.Id, (long?)null), (AliasChangeKind.Set, v2.Id, v1.Id), (AliasChangeKind.Set, v3.Id, v2.Id),
             (AliasChangeKind.RolledBack, v2.Id, v3.Id), (AliasChangeKind.RolledBack, v1.Id, v2.Id)],
            history.Select(h => (h.Kind, h.VersionId, h.PreviousVersionId)));
    }

    [SkippableFact]
    public void Promoting_after_a_rollback_and_rolling_back_again_returns_to_the_rolled_back_target()
    {
        var (registry, twin, v1, v2, v3) = ThreeVersions();
        registry.SetAlias(twin.Id, "production", v1.Id, "ana");
        registry.SetAlias(twin.Id, "production", v2.Id, "ana");
        registry.RollbackAlias(twin.Id, "production", "ops"); // back to v1
        registry.SetAlias(twin.Id, "production", v3.Id, "ana");

        Assert.Equal(v1.Id, registry.RollbackAlias(twin.Id, "production", "ops").VersionId);
    }

    [SkippableFact]
    public void Setting_an_alias_to_its_current_target_changes_nothing()
    {
        var (registry, twin, v1, _, _) = ThreeVersions();
        var first = registry.SetAlias(twin.Id, "staging", v1.Id, "ana");

        var again = registry.SetAlias(twin.Id, "staging", v1.Id, "bo");

        Assert.Equal(first, again);
        Assert.Single(registry.GetAliasHistory(twin.Id, "staging"));
    }

    [SkippableFact]
    public void An_alias_moves_only_if_it_is_still_as_the_writer_saw_it()
    {
        var (registry, twin, v1, v2, v3) = ThreeVersions();
        Assert.Equal(1L, registry.SetAlias(twin.Id, "production", v1.Id, "ana", expectedRowVersion: 0).RowVersion);
        var seen = registry.GetAlias(twin.Id, "production");
        registry.SetAlias(twin.Id, "production", v2.Id, "bo", expectedRowVersion: seen.RowVersion);

        var error = Assert.Throws<RegistryConflictException>(() => registry.SetAlias(twin.Id, "production", v3.Id, "ana", expectedRowVersion: seen.RowVersion));

        Assert.Contains("alias 'production' of twin 'chat' changed since it was read (expected row version 1, found 2)", error.Message);
        Assert.Equal(v2.Id, registry.ResolveAlias(twin.Id, "production").Id);
    }

    [SkippableFact]
    public void An_alias_cannot_point_at_another_twins_version()
    {
        var (registry, twin, v1, _, _) = ThreeVersions();
        var other = registry.CreateTwin(registry.GetTwin(twin.Id).CreatorId, "other");

        Assert.Throws<InvalidVersionStateException>(() => registry.SetAlias(other.Id, "production", v1.Id, "ana"));
    }
}

public sealed class SqliteAliasTests() : AliasTests(new SqliteBackend());

public sealed class PostgresAliasTests() : AliasTests(new PostgresBackend());
