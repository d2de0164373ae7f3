using System.Text;
using Npgsql;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>
/// Erasure must erase: after a withdrawal, what the deleted records held (file names, statistics, recipes, metrics) is
/// not left readable anywhere in the database's storage — not in free pages or free space inside pages, not in a
/// write-ahead log, not in dead row versions. Each back-end reads its raw storage: the SQLite file with its -wal and
/// -shm files, PostgreSQL's pages through pageinspect.
/// </summary>
public abstract class ErasureTests(RegistryBackend backend) : RegistryTest(backend)
{
    /// <summary>How many times <paramref name="marker"/>'s UTF-8 bytes occur in everything the database keeps.</summary>
    protected abstract int OccurrencesInStorage(string marker);

    // Distinctive strings in what a withdrawal deletes; hashes are lowercase hex, so theirs are hex words.
    const string FileMarker = "MARKERFILE-ana-private-chats";
    const string StatisticsMarker = "MARKERSTATISTICS";
    const string RecipeMarker = "MARKERRECIPE";
    const string MetricsMarker = "MARKERMETRICS";
    static readonly string DatasetHash = string.Concat(Enumerable.Repeat("da7a5e7d", 8));
    static readonly string StoredCopyHash = string.Concat(Enumerable.Repeat("5e1f1e5a", 8));
    static readonly string AdapterHash = string.Concat(Enumerable.Repeat("ada97e12", 8));

    [SkippableFact]
    public void After_a_withdrawal_the_deleted_records_content_is_nowhere_in_the_database_storage()
    {
        var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var bo = Build.ConsentingCreator(registry, "bo");
        var anaData = registry.RegisterDataset(new NewDataset(ana.Id, DatasetHash, ConsentScopes.Text,
            [$"{FileMarker}-1.jsonl", $"{FileMarker}-2.jsonl"], $$"""{"examples":120,"note":"{{StatisticsMarker}}"}""") { StoredArtifactHash = StoredCopyHash });
        var boData = Build.Dataset(registry, bo, "bo's chats");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "ana-chat");
        // Long enough to leave the row (SQLite overflow pages, PostgreSQL TOAST) as well as short.
        var longRecipe = $$"""{"marker":"{{RecipeMarker}}-long","padding":"{{new string('p', 6000)}}"}""";
        var v1 = registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(anaData)]) with { RecipeText = longRecipe });
        registry.SetVersionStatus(v1.Id, VersionStatus.Training);
        registry.SetVersionArtifacts(v1.Id, [new ArtifactReference(ArtifactReference.Adapter, AdapterHash)]);
        registry.SetVersionMetrics(v1.Id, $$"""{"heldout_loss":1.5,"marker":"{{MetricsMarker}}"}""");
        registry.SetVersionStatus(v1.Id, VersionStatus.Succeeded);
        var v2 = registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(boData)], v1) with
        {
            RecipeText = $$"""{"marker":"{{RecipeMarker}}-short"}""",
        });
        registry.SetVersionStatus(v2.Id, VersionStatus.Failed);
        var boTwin = registry.CreateTwin(bo.Id, "bo-chat");
        var b1 = Build.SucceededVersion(registry, boTwin, baseModel, [Build.Train(boData)]);
        Assert.True(OccurrencesInStorage(RecipeMarker) > 0, "the scenario should have written the markers");

        var withdrawal = registry.WithdrawConsent(ana.Id, ConsentScopes.All, "asked by email", "privacy-officer",
            new LocalArtifactStore(Scratch.Sub("artifacts")));

        Assert.Equal([v1.Id, v2.Id], withdrawal.Audit.DeletedVersionIds);
        Assert.Equal(VersionStatus.Succeeded, registry.GetVersion(b1.Id).Status);
        AssertNoTrace("while the registry is open");
        registry.Dispose();
        AssertNoTrace("after the registry is closed");

        void AssertNoTrace(string when)
        {
            foreach (var marker in new[] { FileMarker, StatisticsMarker, RecipeMarker, MetricsMarker })
                Assert.True(OccurrencesInStorage(marker) == 0, $"'{marker}' is still in the database's storage {when}");
            // The audit record keeps the deleted dataset's content hash and the journal the artifact hashes, by design
            // (what was deleted, never the data): exactly those copies may remain, no stale ones.
            Assert.Equal(1, OccurrencesInStorage(DatasetHash));
            Assert.Equal(2, OccurrencesInStorage(StoredCopyHash));
            Assert.Equal(2, OccurrencesInStorage(AdapterHash));
        }
    }

    [SkippableFact]
    public void After_a_twin_deletion_its_versions_content_is_nowhere_in_the_database_storage()
    {
        var registry = Open();
        var ana = Build.ConsentingCreator(registry, "ana");
        var data = Build.Dataset(registry, ana, "ana's chats");
        var baseModel = Build.BaseModel(registry);
        var twin = registry.CreateTwin(ana.Id, "ana-chat");
        var v1 = registry.NextVersion(Build.Request(twin, baseModel, [Build.Train(data)]) with
        {
            RecipeText = $$"""{"marker":"{{RecipeMarker}}-long","padding":"{{new string('p', 6000)}}"}""",
        });
        registry.SetVersionStatus(v1.Id, VersionStatus.Training);
        registry.SetVersionArtifacts(v1.Id, [new ArtifactReference(ArtifactReference.Adapter, AdapterHash)]);
        registry.SetVersionMetrics(v1.Id, $$"""{"marker":"{{MetricsMarker}}"}""");
        registry.SetVersionStatus(v1.Id, VersionStatus.Succeeded);
        registry.SetAlias(twin.Id, "markeralias", v1.Id, "ana");
        Assert.True(OccurrencesInStorage(MetricsMarker) > 0, "the scenario should have written the markers");

        registry.DeleteTwin(twin.Id, "retired", "ops", new LocalArtifactStore(Scratch.Sub("artifacts")));

        AssertNoTrace("while the registry is open");
        registry.Dispose();
        AssertNoTrace("after the registry is closed");

        void AssertNoTrace(string when)
        {
            foreach (var marker in new[] { RecipeMarker, MetricsMarker, "markeralias" })
                Assert.True(OccurrencesInStorage(marker) == 0, $"'{marker}' is still in the database's storage {when}");
            Assert.Equal(2, OccurrencesInStorage(AdapterHash)); // the audit record and the journal
        }
    }

    [SkippableFact]
    public void After_a_withdrawal_the_prompt_and_text_kept_with_a_provenance_record_are_nowhere_in_the_database_storage()
    {
        const string PromptMarker = "MARKERPROMPT";
        const string TextMarker = "MARKERTEXT";
        var registry = Open();
        var acme = registry.CreateOrganisation("org-acme", "Acme");
        var ana = registry.CreateOrganisationCreator(acme.Id, "creator-ana", "Ana");
        registry.GiveConsent(ana.Id, ConsentScopes.Text);
        var twin = registry.CreateTwin(ana.Id, "ana-chat");
        var v1 = Build.SucceededVersion(registry, twin, Build.BaseModel(registry), [Build.Train(Build.Dataset(registry, ana, "ana's chats"))]);
        registry.RecordProvenance(new NewCompletionProvenance("prov-1", acme.Id, "chatcmpl-1", "creator-ana/ana-chat@1", v1.Id, "ana-chat", 1, null, null,
            "{}", 3, 7, null, "0123456789abcdef", """{"id":"prov-1"}""", DateTimeOffset.UtcNow)
        {
            PromptJson = $$"""[{"content":"{{PromptMarker}}","role":"user"}]""",
            CompletionText = $"{TextMarker}: ana-chat says so.",
        });
        Assert.True(OccurrencesInStorage(PromptMarker) > 0 && OccurrencesInStorage(TextMarker) > 0, "the scenario should have written the markers");

        registry.WithdrawConsent(ana.Id, ConsentScopes.All, "asked", "ops", new LocalArtifactStore(Scratch.Sub("artifacts")));

        Assert.True(registry.FindProvenance(acme.Id, "prov-1")!.IsErased);
        foreach (var marker in new[] { PromptMarker, TextMarker })
            Assert.True(OccurrencesInStorage(marker) == 0, $"'{marker}' is still in the database's storage");
        registry.Dispose();
    }

    protected static int Count(byte[] haystack, byte[] needle)
    {
        int count = 0;
        for (int at = haystack.AsSpan().IndexOf(needle); at >= 0;)
        {
            count++;
            var next = haystack.AsSpan(at + needle.Length).IndexOf(needle);
            at = next < 0 ? -1 : at + needle.Length + next;
        }
        return count;
    }
}

public sealed class SqliteErasureTests() : ErasureTests(new SqliteBackend())
{
    /// <summary>The database file and its write-ahead log and shared-memory index, byte for byte.</summary>
    protected override int OccurrencesInStorage(string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        return new[] { "", "-wal", "-shm", "-journal" }.Select(suffix => Backend.Location + suffix).Where(File.Exists)
            .Sum(file => Count(ReadShared(file), needle));
    }

    static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

public sealed class PostgresErasureTests() : ErasureTests(new PostgresBackend())
{
    /// <summary>
    /// Every page of every table and index of the registry and of their TOAST tables, read raw with pageinspect: dead
    /// row versions, which a plain VACUUM only marks reusable, count too.
    /// </summary>
    protected override int OccurrencesInStorage(string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Backend.Location) { Pooling = false }.ConnectionString);
        connection.Open();
        try
        {
            Execute(connection, "CREATE EXTENSION IF NOT EXISTS pageinspect");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedFile or PostgresErrorCodes.FeatureNotSupported)
        {
            Skip.If(true, $"PostgreSQL erasure test skipped: the pageinspect extension is not available ({e.MessageText})");
        }
        var relations = new List<(string Name, long Pages)>();
        using (var command = new NpgsqlCommand(
                   """
                   SELECT c.oid::regclass::text, pg_relation_size(c.oid) / current_setting('block_size')::bigint FROM pg_class c
                   WHERE c.relkind IN ('r', 'i', 't')
                     AND (c.relnamespace = 'public'::regnamespace
                          OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
                          OR c.oid IN (SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.reltoastrelid = i.indrelid
                                       WHERE t.relnamespace = 'public'::regnamespace))
                   """, connection))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) relations.Add((reader.GetString(0), reader.GetInt64(1)));
        int count = 0;
        foreach (var (name, pages) in relations)
            for (int block = 0; block < pages; block++)
            {
                using var page = new NpgsqlCommand("SELECT get_raw_page(@name, @block)", connection);
                page.Parameters.AddWithValue("name", name);
                page.Parameters.AddWithValue("block", block);
                count += Count((byte[])page.ExecuteScalar()!, needle);
            }
        return count;
    }

    static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
