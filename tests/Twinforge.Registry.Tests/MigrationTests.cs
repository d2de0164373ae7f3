using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Migrations;
using Twinforge.Registry.Records;
using Twinforge.Registry.Sql;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

public abstract class MigrationTests(RegistryBackend backend) : RegistryTest(backend)
{
    const int NewestSchema = 9;

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
        Backend.ExecuteRaw("INSERT INTO schema_migrations (version, description, applied_at) SELECT 10, 'from the future', MAX(applied_at) FROM schema_migrations");

        var error = Assert.Throws<SchemaTooNewException>(() => Open());

        Assert.Equal(10, error.DatabaseVersion);
        Assert.Equal(NewestSchema, error.NewestKnownVersion);
        Assert.Contains("schema version 10", error.Message);
        Assert.Contains($"up to {NewestSchema}", error.Message);
    }

    [SkippableFact]
    public void Migration_9_keeps_the_datasets_and_the_files_naming_them_and_makes_content_unique_per_creator()
    {
        using (var dialect = OpenDialect())
            Assert.Equal(8, MigrationRunner.Apply(dialect, [.. RegistrySchema.Migrations.Where(m => m.Number <= 8)]));
        var hash = ContentHash.Of("ana's chats"u8.ToArray());
        const string At = "'2026-01-02T03:04:05.000000Z'", EmptyObject = "'{}'";
        Backend.ExecuteRaw($"INSERT INTO organisations (public_id, name, created_at) VALUES ('org-acme', 'Acme', {At})");
        Backend.ExecuteRaw($"INSERT INTO organisations (public_id, name, created_at) VALUES ('org-globex', 'Globex', {At})");
        Backend.ExecuteRaw($"INSERT INTO creators (name, created_at, organisation_id, display_name) SELECT 'creator-ana', {At}, id, 'Ana' FROM organisations WHERE public_id = 'org-acme'");
        Backend.ExecuteRaw($"INSERT INTO creators (name, created_at, organisation_id, display_name) SELECT 'creator-bo', {At}, id, 'Bo' FROM organisations WHERE public_id = 'org-globex'");
        Backend.ExecuteRaw($"""
            INSERT INTO datasets (creator_id, content_hash, consent_scope, source_files, statistics, created_at)
            SELECT id, '{hash}', 'text', '["ana.jsonl"]', {EmptyObject}, {At} FROM creators WHERE name = 'creator-ana'
            """);
        Backend.ExecuteRaw($"""
            INSERT INTO files (public_id, organisation_id, dataset_id, filename, bytes, purpose, created_at)
            SELECT 'file-1', c.organisation_id, d.id, 'ana.jsonl', 11, 'fine-tune', {At} FROM datasets d JOIN creators c ON c.id = d.creator_id
            """);
        Backend.ExecuteRaw($"INSERT INTO base_models (name, path, architecture, parameter_count, created_at) VALUES ('tiny', '/models/tiny', 'llama', 1000, {At})");
        Backend.ExecuteRaw($"INSERT INTO twins (creator_id, name, latest_version, created_at) SELECT id, 'ana-style', 1, {At} FROM creators WHERE name = 'creator-ana'");
        Backend.ExecuteRaw($"""
            INSERT INTO twin_versions (twin_id, version, base_model_id, recipe, seed, code_version, status, created_by, created_at)
            SELECT t.id, 1, b.id, {EmptyObject}, 42, 'test', 'succeeded', 'tester', {At} FROM twins t, base_models b
            """);
        Backend.ExecuteRaw("INSERT INTO version_datasets (version_id, position, dataset_id, role) SELECT v.id, 0, d.id, 'train' FROM twin_versions v, datasets d");

        using var registry = Open();

        Assert.Equal(NewestSchema, registry.SchemaVersion);
        var ana = registry.GetCreatorByName("creator-ana");
        var dataset = Assert.Single(registry.ListDatasets());
        Assert.Equal((ana.Id, hash, "ana.jsonl"), (dataset.CreatorId, dataset.ContentHash, Assert.Single(dataset.SourceFiles)));
        Assert.Equal(dataset.Id, registry.FindFile(ana.OrganisationId!.Value, "file-1")!.DatasetId);
        Assert.Equal(1, Assert.Single(registry.VersionsBuiltFromDataset(dataset.Id)).Number);
        // The rebuilt table is referenced as before: a file naming no dataset is still refused.
        var orphan = Assert.ThrowsAny<Exception>(() => Backend.ExecuteRaw((Backend is SqliteBackend ? "PRAGMA foreign_keys = ON; " : "") +
            $"INSERT INTO files (public_id, organisation_id, dataset_id, filename, bytes, purpose, created_at) VALUES ('file-2', {ana.OrganisationId}, 999, 'x', 1, 'fine-tune', {At})"));
        Assert.Matches("(?i)foreign key", orphan.Message);
        // Another organisation's creator may now hold the same content; the same creator twice is still one dataset.
        var bo = registry.GetCreatorByName("creator-bo");
        registry.GiveConsent(bo.Id, ConsentScopes.Text);
        var bos = registry.RegisterDataset(new NewDataset(bo.Id, hash, ConsentScopes.Text, ["bo.jsonl"], "{}"));
        Assert.NotEqual(dataset.Id, bos.Id);
        var duplicate = Assert.ThrowsAny<Exception>(() => Backend.ExecuteRaw(
            $"INSERT INTO datasets (creator_id, content_hash, consent_scope, source_files, statistics, created_at) VALUES ({bo.Id}, '{hash}', 'text', '[]', {EmptyObject}, {At})"));
        Assert.Matches("(?i)unique", duplicate.Message);
    }

    ISqlDialect OpenDialect() => Backend is PostgresBackend
        ? new PostgresDialect(Backend.Location, TimeSpan.FromSeconds(10))
        : new SqliteDialect(Backend.Location, TimeSpan.FromSeconds(10));

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
