using Twinforge.Registry.Errors;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class MigrationTests(RegistryBackend backend) : RegistryTest(backend)
{
    const int NewestSchema = 8;

    [SkippableFact]
    public void Opening_an_empty_database_applies_every_migration()
    {
        using var registry = Open();

        Assert.Equal(NewestSchema, registry.SchemaVersion);
        Assert.Empty(registry.ListCreators());
        Assert.Empty(registry.ListBaseModels());
        Assert.Empty(registry.ListAuditRecords());
    }

    [SkippableFact]
    public void Reopening_keeps_the_data_and_applies_nothing_twice()
    {
        using (var first = Open())
            first.CreateCreator("ana");

        using var second = Open();

        Assert.Equal(NewestSchema, second.SchemaVersion);
        Assert.Equal("ana", Assert.Single(second.ListCreators()).Name);
        Assert.Equal(NewestSchema, Backend.ScalarRaw("SELECT COUNT(*) FROM schema_migrations"));
    }

    [SkippableFact]
    public void A_registry_from_a_newer_schema_is_refused_naming_both_versions()
    {
        using (Open()) { }
        Backend.ExecuteRaw("INSERT INTO schema_migrations (version, description, applied_at) SELECT 9, 'from the future', MAX(applied_at) FROM schema_migrations");

        var error = Assert.Throws<SchemaTooNewException>(() => Open());

        Assert.Equal(9, error.DatabaseVersion);
        Assert.Equal(NewestSchema, error.NewestKnownVersion);
        Assert.Contains("schema version 9", error.Message);
        Assert.Contains($"up to {NewestSchema}", error.Message);
    }

    [SkippableFact]
    public void Two_processes_opening_a_new_database_at_once_both_succeed()
    {
        _ = Backend.Location; // create the empty database before the race
        var registries = new ITwinRegistry[2];
        Parallel.For(0, 2, i => registries[i] = Open());

        Assert.All(registries, r => Assert.Equal(NewestSchema, r.SchemaVersion));
        registries[0].CreateCreator("ana");
        Assert.Equal("ana", Assert.Single(registries[1].ListCreators()).Name);
        Assert.Equal(NewestSchema, Backend.ScalarRaw("SELECT COUNT(*) FROM schema_migrations"));
    }
}

public sealed class SqliteMigrationTests() : MigrationTests(new SqliteBackend());

public sealed class PostgresMigrationTests() : MigrationTests(new PostgresBackend());
