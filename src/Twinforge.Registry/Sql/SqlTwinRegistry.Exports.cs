using System.Data.Common;
using System.Text.Json;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Exports: copies of versions' weights written outside the artifact store, which a deletion can only list.
internal sealed partial class SqlTwinRegistry
{
    const string ExportColumns = "e.id, e.twin_id, e.version_id, v.version, e.path, e.exported_at, e.exported_by";

    /// <summary>How exported copies are kept in an audit record: a JSON array, one object per copy.</summary>
    static readonly JsonSerializerOptions ExportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public VersionExport RecordExport(long versionId, string path, string exportedBy)
    {
        Names.RequireText(path, "export path");
        Names.RequireName(exportedBy, "exported by");
        return Write(s =>
        {
            // Shared lock: a withdrawal or twin deletion that removes the version waits, then lists this copy.
            var version = RequireVersionHeader(s, versionId, dialect.ForShareOf("v"));
            if (version.Status == VersionStatus.Deleted)
                throw new VersionDeletedException(version.TwinName, version.Number, versionId, "export it");
            if (version.Status != VersionStatus.Succeeded)
                throw new InvalidVersionStateException(
                    $"version {version.Number} of twin '{version.TwinName}' {version.Status.Stated()}: only a succeeded version is exported");
            var now = Now();
            var id = s.InsertReturningId(
                "INSERT INTO exports (twin_id, version_id, path, exported_at, exported_by) VALUES (@twin, @version, @path, @at, @by) RETURNING id",
                ("twin", version.TwinId), ("version", versionId), ("path", path), ("at", s.Time(now)), ("by", exportedBy));
            return new VersionExport(id, version.TwinId, versionId, version.Number, path, now, exportedBy);
        });
    }

    public IReadOnlyList<VersionExport> ListExports(long? twinId = null) => Read(s => twinId is { } twin
        ? LoadExports(s, "e.twin_id = @twin", ("twin", twin))
        : LoadExports(s, "1 = 1"));

    static List<VersionExport> LoadExports(SqlSession s, string where, params (string Name, object? Value)[] parameters) =>
        s.Query($"SELECT {ExportColumns} FROM exports e JOIN twin_versions v ON v.id = e.version_id WHERE {where} ORDER BY e.id",
            r => ReadExport(s, r), parameters);

    /// <summary>
    /// Removes the exports of the given versions (they are being deleted) and returns them, for the audit record that
    /// tells the operator which copies outside the store to delete.
    /// </summary>
    static List<VersionExport> TakeExports(SqlSession s, string versionList, (string Name, object? Value)[] versionParameters)
    {
        var exports = LoadExports(s, $"e.version_id IN ({versionList})", versionParameters);
        s.Execute($"DELETE FROM exports WHERE version_id IN ({versionList})", versionParameters);
        return exports;
    }

    static VersionExport ReadExport(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.Int64(1), r.Int64(2), (int)r.Int64(3), r.GetString(4), s.ReadTime(r, 5), r.GetString(6));

    static string ExportsToJson(IReadOnlyList<VersionExport> exports) => JsonSerializer.Serialize(exports, ExportJson);

    static VersionExport[] ExportsFromJson(string json) => JsonSerializer.Deserialize<VersionExport[]>(json, ExportJson) ?? [];
}
