using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Twins: a named twin per creator.
internal sealed partial class SqlTwinRegistry
{
    const string TwinColumns = "t.id, t.creator_id, t.name, t.latest_version, t.row_version, t.created_at";

    public Twin CreateTwin(long creatorId, string name)
    {
        Names.RequireName(name, "twin name");
        string? creatorName = null;
        try
        {
            return Write(s =>
            {
                creatorName = RequireCreator(s, creatorId).Name;
                var now = Now();
                var id = s.InsertReturningId("INSERT INTO twins (creator_id, name, created_at) VALUES (@creator, @name, @at) RETURNING id",
                    ("creator", creatorId), ("name", name), ("at", s.Time(now)));
                return new Twin(id, creatorId, name, 0, 1, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("twin", $"named '{name}' for creator '{creatorName}'", e);
        }
    }

    public Twin GetTwin(long twinId) => Read(s => RequireTwin(s, twinId));

    public Twin GetTwinByName(long creatorId, string name) => Read(s =>
    {
        var creator = RequireCreator(s, creatorId);
        return s.QuerySingle($"SELECT {TwinColumns} FROM twins t WHERE t.creator_id = @creator AND t.name = @name",
                   r => ReadTwin(s, r), ("creator", creatorId), ("name", name))
               ?? throw new UnknownEntityException("twin", $"named '{name}' for creator '{creator.Name}'");
    });

    public IReadOnlyList<Twin> ListTwins(long? creatorId = null) => Read(s => creatorId is { } creator
        ? s.Query($"SELECT {TwinColumns} FROM twins t WHERE t.creator_id = @creator ORDER BY t.id", r => ReadTwin(s, r), ("creator", creator))
        : s.Query($"SELECT {TwinColumns} FROM twins t ORDER BY t.id", r => ReadTwin(s, r)));

    static Twin RequireTwin(SqlSession s, long twinId, string lockClause = "") =>
        s.QuerySingle($"SELECT {TwinColumns} FROM twins t WHERE t.id = @id{lockClause}", r => ReadTwin(s, r), ("id", twinId))
        ?? throw new UnknownEntityException("twin", $"with id {twinId}");

    static Twin ReadTwin(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.Int64(1), r.GetString(2), (int)r.Int64(3), r.Int64(4), s.ReadTime(r, 5));
}
