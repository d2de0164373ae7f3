using System.Data.Common;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Twin versions: reserving the next number, reading them back with their datasets and artifacts, and recording
// what a run produced.
internal sealed partial class SqlTwinRegistry
{
    const string VersionColumns =
        "v.id, v.twin_id, v.version, v.parent_version_id, v.base_model_id, v.recipe, v.seed, v.code_version, v.metrics, v.status, v.created_by, v.created_at, v.deleted_at";

    public TwinVersion NextVersion(NewTwinVersion request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RecipeText);
        Names.RequireText(request.CodeVersion, "code version");
        Names.RequireName(request.CreatedBy, "created by");
        ArgumentNullException.ThrowIfNull(request.Datasets);
        foreach (var use in request.Datasets) Names.RequireIdentifier(use.Role, "dataset role");

        string? twinName = null;
        int? number = null;
        try
        {
            return Write(s =>
            {
                // The twin row lock queues concurrent updates of one twin; the expected-version check then tells the
                // later one that the twin moved on while it was deciding.
                var twin = RequireTwin(s, request.TwinId, dialect.ForUpdateOf("t"));
                twinName = twin.Name;
                if (request.ExpectedLatestVersion is { } expected && expected != twin.LatestVersion)
                    throw new RegistryConflictException(
                        $"twin '{twin.Name}' is now at version {twin.LatestVersion}, but this update expected version {expected} to be the latest: "
                        + "another writer created a version first; nothing was recorded — re-read the twin and try again");
                if (request.ParentVersionId is { } parentId) RequireUsableParent(s, twin, parentId);
                RequireBaseModel(s, request.BaseModelId);
                foreach (var datasetId in request.Datasets.Select(u => u.DatasetId).Distinct()) RequireConsentedDataset(s, datasetId);

                number = twin.LatestVersion + 1;
                var updated = s.Execute(
                    "UPDATE twins SET latest_version = @number, row_version = row_version + 1 WHERE id = @id AND row_version = @rowVersion",
                    ("number", (long)number), ("id", twin.Id), ("rowVersion", twin.RowVersion));
                if (updated != 1) throw Conflict(twin.Name, number.Value);
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO twin_versions (twin_id, version, parent_version_id, base_model_id, recipe, seed, code_version, status, created_by, created_at)
                    VALUES (@twin, @number, @parent, @base, @recipe, @seed, @code, 'pending', @by, @at) RETURNING id
                    """,
                    ("twin", twin.Id), ("number", (long)number), ("parent", request.ParentVersionId), ("base", request.BaseModelId),
                    ("recipe", request.RecipeText), ("seed", request.Seed), ("code", request.CodeVersion), ("by", request.CreatedBy),
                    ("at", s.Time(now)));
                for (var position = 0; position < request.Datasets.Count; position++)
                    s.Execute("INSERT INTO version_datasets (version_id, position, dataset_id, role) VALUES (@version, @position, @dataset, @role)",
                        ("version", id), ("position", (long)position), ("dataset", request.Datasets[position].DatasetId),
                        ("role", request.Datasets[position].Role));
                return RequireVersion(s, id);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            // The (twin, version) key is the last line of defence should two reservations ever race past the row lock.
            throw Conflict(twinName, number ?? 0, e);
        }
    }

    public TwinVersion GetVersion(long versionId) => Read(s => RequireVersion(s, versionId));

    public TwinVersion GetVersionByNumber(long twinId, int number) => Read(s =>
    {
        var twin = RequireTwin(s, twinId);
        return LoadVersions(s, "v.twin_id = @twin AND v.version = @number", "", ("twin", twinId), ("number", (long)number)).SingleOrDefault()
               ?? throw new UnknownEntityException("twin version", $"{number} of twin '{twin.Name}'");
    });

    public IReadOnlyList<TwinVersion> ListVersions(long twinId) => Read(s =>
    {
        RequireTwin(s, twinId);
        return LoadVersions(s, "v.twin_id = @twin", "", ("twin", twinId));
    });

    public TwinVersion SetVersionStatus(long versionId, VersionStatus status)
    {
        if (status == VersionStatus.Deleted)
            throw new InvalidVersionStateException("a version is deleted only by withdrawing consent for the data it was built from");
        return Write(s =>
        {
            var version = RequireLiveVersionHeader(s, versionId, $"change its status to {status.Name()}");
            if (version.Status == status) return RequireVersion(s, versionId);
            if (!version.Status.CanMoveTo(status))
                throw new InvalidVersionStateException(
                    $"version {version.Number} of twin '{version.TwinName}' {version.Status.Stated()}; it cannot become {status.Name()}");
            s.Execute("UPDATE twin_versions SET status = @status WHERE id = @id", ("status", status.Name()), ("id", versionId));
            return RequireVersion(s, versionId);
        });
    }

    public TwinVersion SetVersionMetrics(long versionId, string metricsJson)
    {
        Names.RequireJsonObject(metricsJson, "version metrics");
        return Write(s =>
        {
            RequireLiveVersionHeader(s, versionId, "record metrics for it");
            s.Execute("UPDATE twin_versions SET metrics = @metrics WHERE id = @id", ("metrics", metricsJson), ("id", versionId));
            return RequireVersion(s, versionId);
        });
    }

    public TwinVersion SetVersionArtifacts(long versionId, IReadOnlyList<ArtifactReference> artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        foreach (var artifact in artifacts)
        {
            Names.RequireIdentifier(artifact.Kind, "artifact kind");
            ContentHash.Require(artifact.ContentHash, $"'{artifact.Kind}' artifact hash");
        }
        return Write(s =>
        {
            RequireLiveVersionHeader(s, versionId, "record artifacts for it");
            s.Execute("DELETE FROM version_artifacts WHERE version_id = @id", ("id", versionId));
            for (var position = 0; position < artifacts.Count; position++)
                s.Execute("INSERT INTO version_artifacts (version_id, position, kind, content_hash) VALUES (@version, @position, @kind, @hash)",
                    ("version", versionId), ("position", (long)position), ("kind", artifacts[position].Kind), ("hash", artifacts[position].ContentHash));
            return RequireVersion(s, versionId);
        });
    }

    static RegistryConflictException Conflict(string? twinName, int number, Exception? inner = null) => new(
        $"version {number} of twin '{twinName}' was created by another writer at the same time; nothing was recorded — re-read the twin and try again",
        inner);

    void RequireUsableParent(SqlSession s, Twin twin, long parentId)
    {
        // Shared lock: a concurrent withdrawal cannot delete the parent until this version is recorded (and then sees it).
        var parent = RequireVersionHeader(s, parentId, dialect.ForShareOf("v"));
        if (parent.TwinId != twin.Id)
            throw new InvalidVersionStateException(
                $"version {parent.Number} (id {parentId}) belongs to twin '{parent.TwinName}', not '{twin.Name}'; a parent must be a version of the same twin");
        if (parent.Status == VersionStatus.Deleted)
            throw new VersionDeletedException(parent.TwinName, parent.Number, parentId, "update from it");
        if (parent.Status != VersionStatus.Succeeded)
            throw new InvalidVersionStateException(
                $"cannot update twin '{twin.Name}' from version {parent.Number}: it {parent.Status.Stated()}; only a succeeded version can be a parent");
    }

    void RequireConsentedDataset(SqlSession s, long datasetId)
    {
        // Shared locks on the dataset and its creator: a consent withdrawal (which locks the creator for update) runs
        // wholly before or wholly after this version is recorded.
        var dataset = s.QuerySingle(
            $"SELECT d.id, d.consent_scope, c.id, c.name FROM datasets d JOIN creators c ON c.id = d.creator_id WHERE d.id = @id{dialect.ForShareOf("d", "c")}",
            r => new { Scope = r.GetString(1), CreatorId = r.Int64(2), CreatorName = r.GetString(3) }, ("id", datasetId))
            ?? throw new UnknownEntityException("dataset", $"with id {datasetId}");
        if (!HasValidConsent(s, dataset.CreatorId, dataset.Scope))
            throw new ConsentRequiredException(dataset.CreatorName, datasetId, dataset.Scope);
    }

    /// <summary>The identity and status of a version with its twin's name, for checks and messages.</summary>
    sealed record VersionHeader(long Id, long TwinId, string TwinName, int Number, VersionStatus Status);

    static VersionHeader RequireVersionHeader(SqlSession s, long versionId, string lockClause = "") =>
        s.QuerySingle(
            $"SELECT v.id, v.twin_id, t.name, v.version, v.status FROM twin_versions v JOIN twins t ON t.id = v.twin_id WHERE v.id = @id{lockClause}",
            r => new VersionHeader(r.Int64(0), r.Int64(1), r.GetString(2), (int)r.Int64(3), VersionStatusNames.Parse(r.GetString(4))),
            ("id", versionId))
        ?? throw new UnknownEntityException("twin version", $"with id {versionId}");

    VersionHeader RequireLiveVersionHeader(SqlSession s, long versionId, string operation)
    {
        var version = RequireVersionHeader(s, versionId, dialect.ForUpdateOf("v"));
        if (version.Status == VersionStatus.Deleted) throw new VersionDeletedException(version.TwinName, version.Number, versionId, operation);
        return version;
    }

    static TwinVersion RequireVersion(SqlSession s, long versionId) =>
        LoadVersions(s, "v.id = @id", "", ("id", versionId)).SingleOrDefault()
        ?? throw new UnknownEntityException("twin version", $"with id {versionId}");

    /// <summary>
    /// Versions matching <paramref name="where"/> (over <c>twin_versions v</c>, after an optional WITH clause), in id
    /// order, with their datasets and artifacts: three queries however many versions match.
    /// </summary>
    static List<TwinVersion> LoadVersions(SqlSession s, string where, string with, params (string Name, object? Value)[] parameters)
    {
        var rows = s.Query($"{with} SELECT {VersionColumns} FROM twin_versions v WHERE {where} ORDER BY v.id", r => new
        {
            Id = r.Int64(0), TwinId = r.Int64(1), Number = (int)r.Int64(2), Parent = r.OptionalInt64(3), BaseModel = r.Int64(4),
            Recipe = r.GetString(5), Seed = r.Int64(6), Code = r.GetString(7), Metrics = r.OptionalString(8),
            Status = VersionStatusNames.Parse(r.GetString(9)), CreatedBy = r.GetString(10), CreatedAt = s.ReadTime(r, 11),
            DeletedAt = s.ReadOptionalTime(r, 12),
        }, parameters);
        if (rows.Count == 0) return [];
        var selected = $"SELECT v.id FROM twin_versions v WHERE {where}";
        var datasets = s.Query(
                $"{with} SELECT x.version_id, x.dataset_id, x.role FROM version_datasets x WHERE x.version_id IN ({selected}) ORDER BY x.version_id, x.position",
                r => (Version: r.Int64(0), Use: new DatasetUse(r.Int64(1), r.GetString(2))), parameters)
            .ToLookup(x => x.Version, x => x.Use);
        var artifacts = s.Query(
                $"{with} SELECT x.version_id, x.kind, x.content_hash FROM version_artifacts x WHERE x.version_id IN ({selected}) ORDER BY x.version_id, x.position",
                r => (Version: r.Int64(0), Artifact: new ArtifactReference(r.GetString(1), r.GetString(2))), parameters)
            .ToLookup(x => x.Version, x => x.Artifact);
        return rows.Select(v => new TwinVersion(
            v.Id, v.TwinId, v.Number, v.Parent, v.BaseModel, [.. datasets[v.Id]], v.Recipe, v.Seed, v.Code, v.Metrics,
            [.. artifacts[v.Id]], v.Status, v.CreatedBy, v.CreatedAt, v.DeletedAt)).ToList();
    }
}
