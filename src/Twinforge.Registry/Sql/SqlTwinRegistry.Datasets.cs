using System.Data.Common;
using System.Text.Json;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Datasets: immutable, and content-addressed per creator. Within one organisation (or among the command line's creators)
// a content is one creator's; creators of different organisations may each hold the same content, since an organisation
// must not learn from a refusal what another has registered.
internal sealed partial class SqlTwinRegistry
{
    const string DatasetColumns =
        "d.id, d.creator_id, d.content_hash, d.consent_scope, d.source_files, d.statistics, d.stored_artifact_hash, d.created_at";

    public Dataset RegisterDataset(NewDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ContentHash.Require(dataset.ContentHash, "dataset content hash");
        ConsentScopes.Validate(dataset.ConsentScope);
        if (dataset.SourceFiles is not { Count: > 0 }) throw new ArgumentException("a dataset needs at least one source file name");
        foreach (var file in dataset.SourceFiles) Names.RequireName(file, "source file name");
        Names.RequireJsonObject(dataset.StatisticsJson, "dataset statistics");
        if (dataset.StoredArtifactHash is { } stored) ContentHash.Require(stored, "stored dataset artifact hash");

        try
        {
            return Write(s =>
            {
                // Locking the creator orders this after (or before) a concurrent consent withdrawal, never interleaved with it.
                var creator = RequireCreator(s, dataset.CreatorId, dialect.ForUpdateOf("c"));
                if (dataset.RequireValidConsent && !HasValidConsent(s, dataset.CreatorId, dataset.ConsentScope))
                    throw new ConsentRequiredException(creator.Name, dataset.ConsentScope);
                if (FindDatasetByHash(s, dataset.CreatorId, dataset.ContentHash) is { } existing) return existing;
                // Two creators of one organisation registering the same content at once would each find the other's
                // row absent (each locks only its own creator); queued on the content, the second sees the first's.
                s.Dialect.LockContent(s, dataset.ContentHash);
                RequireNotHeldNearby(s, creator, dataset.ContentHash);
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO datasets (creator_id, content_hash, consent_scope, source_files, statistics, stored_artifact_hash, created_at)
                    VALUES (@creator, @hash, @scope, @files, @statistics, @stored, @at) RETURNING id
                    """,
                    ("creator", dataset.CreatorId), ("hash", dataset.ContentHash), ("scope", dataset.ConsentScope),
                    ("files", JsonSerializer.Serialize(dataset.SourceFiles)), ("statistics", dataset.StatisticsJson),
                    ("stored", dataset.StoredArtifactHash), ("at", s.Time(now)));
                return new Dataset(id, dataset.CreatorId, dataset.ContentHash, dataset.ConsentScope, [.. dataset.SourceFiles],
                    dataset.StatisticsJson, dataset.StoredArtifactHash, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            // Another process registered the same content for this creator between our look-up and insert: that record is the answer.
            return Read(s => FindDatasetByHash(s, dataset.CreatorId, dataset.ContentHash) ?? throw new RegistryConflictException(
                $"dataset {dataset.ContentHash} was registered and deleted by other writers meanwhile; try again", e));
        }
    }

    public Dataset GetDataset(long datasetId) => Read(s => RequireDataset(s, datasetId));

    public Dataset? FindDatasetByHash(long creatorId, string contentHash) => Read(s => FindDatasetByHash(s, creatorId, contentHash));

    public IReadOnlyList<Dataset> ListDatasets(long? creatorId = null) => Read(s => creatorId is { } creator
        ? s.Query($"SELECT {DatasetColumns} FROM datasets d WHERE d.creator_id = @creator ORDER BY d.id", r => ReadDataset(s, r), ("creator", creator))
        : s.Query($"SELECT {DatasetColumns} FROM datasets d ORDER BY d.id", r => ReadDataset(s, r)));

    static Dataset? FindDatasetByHash(SqlSession s, long creatorId, string contentHash) =>
        s.QuerySingle($"SELECT {DatasetColumns} FROM datasets d WHERE d.creator_id = @creator AND d.content_hash = @hash",
            r => ReadDataset(s, r), ("creator", creatorId), ("hash", contentHash));

    static Dataset RequireDataset(SqlSession s, long datasetId) =>
        s.QuerySingle($"SELECT {DatasetColumns} FROM datasets d WHERE d.id = @id", r => ReadDataset(s, r), ("id", datasetId))
        ?? throw new UnknownEntityException("dataset", $"with id {datasetId}");

    /// <summary>
    /// The same content already held by another creator of the same organisation (or, among the command line's
    /// creators, by another of them) is someone else's data, most likely given for the wrong person: refused, naming them.
    /// </summary>
    static void RequireNotHeldNearby(SqlSession s, Creator creator, string contentHash)
    {
        List<(string Name, object? Value)> parameters = [("hash", contentHash), ("creator", creator.Id)];
        var sameOrganisation = "c.organisation_id IS NULL";
        if (creator.OrganisationId is { } organisation)
        {
            sameOrganisation = "c.organisation_id = @organisation";
            parameters.Add(("organisation", organisation));
        }
        var holder = s.Query(
            $"""
            SELECT d.id, c.name FROM datasets d JOIN creators c ON c.id = d.creator_id
            WHERE d.content_hash = @hash AND d.creator_id <> @creator AND {sameOrganisation}
            ORDER BY d.id
            """,
            r => (Dataset: r.Int64(0), Creator: r.GetString(1)),
            [.. parameters]).FirstOrDefault();
        if (holder.Creator is not null)
            throw new DuplicateEntityException("dataset", $"with content {contentHash} (dataset {holder.Dataset} of creator '{holder.Creator}')",
                advice: $"this exact data is already '{holder.Creator}''s, and one person's data cannot be another's; check that the file is the right person's");
    }

    static Dataset ReadDataset(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.Int64(1), r.GetString(2), r.GetString(3),
        JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? [], r.GetString(5), r.OptionalString(6), s.ReadTime(r, 7));
}
