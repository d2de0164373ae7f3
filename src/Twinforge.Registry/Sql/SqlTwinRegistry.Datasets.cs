using System.Data.Common;
using System.Text.Json;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Datasets: immutable and content-addressed.
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
                if (FindDatasetByHash(s, dataset.ContentHash) is { } existing) return SameCreatorOrThrow(s, existing, dataset.CreatorId);
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
            // Another process registered the same content between our look-up and insert: that record is the answer.
            return Read(s => SameCreatorOrThrow(s,
                FindDatasetByHash(s, dataset.ContentHash) ?? throw new RegistryConflictException(
                    $"dataset {dataset.ContentHash} was registered and deleted by other writers meanwhile; try again", e),
                dataset.CreatorId));
        }
    }

    public Dataset GetDataset(long datasetId) => Read(s => RequireDataset(s, datasetId));

    public Dataset? FindDatasetByHash(string contentHash) => Read(s => FindDatasetByHash(s, contentHash));

    public IReadOnlyList<Dataset> ListDatasets(long? creatorId = null) => Read(s => creatorId is { } creator
        ? s.Query($"SELECT {DatasetColumns} FROM datasets d WHERE d.creator_id = @creator ORDER BY d.id", r => ReadDataset(s, r), ("creator", creator))
        : s.Query($"SELECT {DatasetColumns} FROM datasets d ORDER BY d.id", r => ReadDataset(s, r)));

    static Dataset? FindDatasetByHash(SqlSession s, string contentHash) =>
        s.QuerySingle($"SELECT {DatasetColumns} FROM datasets d WHERE d.content_hash = @hash", r => ReadDataset(s, r), ("hash", contentHash));

    static Dataset RequireDataset(SqlSession s, long datasetId) =>
        s.QuerySingle($"SELECT {DatasetColumns} FROM datasets d WHERE d.id = @id", r => ReadDataset(s, r), ("id", datasetId))
        ?? throw new UnknownEntityException("dataset", $"with id {datasetId}");

    /// <summary>Same content registered again: fine for its creator; for anyone else it is someone else's data.</summary>
    static Dataset SameCreatorOrThrow(SqlSession s, Dataset existing, long creatorId)
    {
        if (existing.CreatorId == creatorId) return existing;
        var owner = RequireCreator(s, existing.CreatorId);
        throw new DuplicateEntityException("dataset", $"with content {existing.ContentHash} (dataset {existing.Id} of creator '{owner.Name}')");
    }

    static Dataset ReadDataset(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.Int64(1), r.GetString(2), r.GetString(3),
        JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? [], r.GetString(5), r.OptionalString(6), s.ReadTime(r, 7));
}
