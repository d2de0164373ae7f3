using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Lineage: recursive queries up the parent chain (what a version was built from) and down it (what was built from a
// dataset or a creator). WITH RECURSIVE is the same on both back-ends.
internal sealed partial class SqlTwinRegistry
{
    /// <summary>The version @id and its ancestors, each with its distance from @id.</summary>
    const string AncestorsCte = """
        WITH RECURSIVE chain (id, depth) AS (
            SELECT id, 0 FROM twin_versions WHERE id = @id
            UNION ALL
            SELECT p.parent_version_id, chain.depth + 1 FROM twin_versions p JOIN chain ON p.id = chain.id
            WHERE p.parent_version_id IS NOT NULL)
        """;

    /// <summary>
    /// Every version that used a dataset in {0} (a subquery of dataset ids), and every descendant of one. UNION, not
    /// UNION ALL, so a version reached along two paths appears once.
    /// </summary>
    const string DerivedCteFormat = """
        WITH RECURSIVE derived (id) AS (
            SELECT x.version_id FROM version_datasets x WHERE x.dataset_id IN ({0})
            UNION
            SELECT c.id FROM twin_versions c JOIN derived ON c.parent_version_id = derived.id)
        """;

    public VersionLineage GetLineage(long versionId) => Read(s =>
    {
        var chain = LoadVersions(s, "v.id IN (SELECT id FROM chain)", AncestorsCte, ("id", versionId));
        if (chain.Count == 0) throw new UnknownEntityException("twin version", $"with id {versionId}");
        var depths = s.Query($"{AncestorsCte} SELECT id, depth FROM chain", r => (Id: r.Int64(0), Depth: r.Int64(1)), ("id", versionId))
            .ToDictionary(x => x.Id, x => x.Depth);
        var baseModels = s.Query(
                $"{AncestorsCte} SELECT {BaseModelColumns} FROM base_models b WHERE b.id IN (SELECT v.base_model_id FROM twin_versions v WHERE v.id IN (SELECT id FROM chain))",
                r => ReadBaseModel(s, r), ("id", versionId))
            .ToDictionary(b => b.Id);
        var datasets = s.Query(
                $"{AncestorsCte} SELECT {DatasetColumns} FROM datasets d WHERE d.id IN (SELECT x.dataset_id FROM version_datasets x WHERE x.version_id IN (SELECT id FROM chain))",
                r => ReadDataset(s, r), ("id", versionId))
            .ToDictionary(d => d.Id);
        var sources = chain.OrderBy(v => depths[v.Id])
            .Select(v => new VersionSources(v, baseModels[v.BaseModelId], [.. v.Datasets.Select(u => new UsedDataset(datasets[u.DatasetId], u.Role))]))
            .ToList();
        return new VersionLineage(sources[0], sources[1..]);
    });

    public IReadOnlyList<TwinVersion> VersionsBuiltFromDataset(long datasetId) => Read(s =>
    {
        RequireDataset(s, datasetId);
        return LoadVersions(s, "v.id IN (SELECT id FROM derived)", string.Format(DerivedCteFormat, "@dataset"), ("dataset", datasetId));
    });

    public IReadOnlyList<TwinVersion> VersionsBuiltFromCreator(long creatorId) => Read(s =>
    {
        RequireCreator(s, creatorId);
        return LoadVersions(s, "v.id IN (SELECT id FROM derived)",
            string.Format(DerivedCteFormat, "SELECT d.id FROM datasets d WHERE d.creator_id = @creator"), ("creator", creatorId));
    });
}
