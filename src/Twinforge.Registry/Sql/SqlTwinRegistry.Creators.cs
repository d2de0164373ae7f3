using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Creators and their consent records.
internal sealed partial class SqlTwinRegistry
{
    const string CreatorColumns = "c.id, c.name, c.created_at, c.organisation_id, c.display_name";
    const string ConsentColumns = "k.id, k.creator_id, k.scope, k.given_at, k.withdrawn_at, k.note";

    /// <summary>The SQL condition "consent row k covers scope @scope and is valid".</summary>
    const string ValidConsentCovers = "k.withdrawn_at IS NULL AND (k.scope = @scope OR k.scope = 'all')";

    public Creator CreateCreator(string name)
    {
        Names.RequireName(name, "creator name");
        try
        {
            return Write(s =>
            {
                var now = Now();
                var id = s.InsertReturningId("INSERT INTO creators (name, created_at) VALUES (@name, @at) RETURNING id",
                    ("name", name), ("at", s.Time(now)));
                return new Creator(id, name, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("creator", $"named '{name}'", e);
        }
    }

    public Creator GetCreator(long creatorId) => Read(s => RequireCreator(s, creatorId));

    public Creator GetCreatorByName(string name) =>
        Read(s => s.QuerySingle($"SELECT {CreatorColumns} FROM creators c WHERE c.name = @name", r => ReadCreator(s, r), ("name", name)))
        ?? throw new UnknownEntityException("creator", $"named '{name}'");

    public IReadOnlyList<Creator> ListCreators() =>
        Read(s => s.Query($"SELECT {CreatorColumns} FROM creators c ORDER BY c.id", r => ReadCreator(s, r)));

    public ConsentRecord GiveConsent(long creatorId, string scope, string? note = null)
    {
        ConsentScopes.Validate(scope);
        return Write(s =>
        {
            // Locking the creator orders this after (or before) a concurrent withdrawal, never interleaved with it.
            RequireCreator(s, creatorId, dialect.ForUpdateOf("c"));
            var existing = s.QuerySingle(
                $"SELECT {ConsentColumns} FROM consents k WHERE k.creator_id = @creator AND k.scope = @scope AND k.withdrawn_at IS NULL",
                r => ReadConsent(s, r), ("creator", creatorId), ("scope", scope));
            if (existing is not null) return existing;
            var now = Now();
            var id = s.InsertReturningId(
                "INSERT INTO consents (creator_id, scope, given_at, note) VALUES (@creator, @scope, @at, @note) RETURNING id",
                ("creator", creatorId), ("scope", scope), ("at", s.Time(now)), ("note", note));
            return new ConsentRecord(id, creatorId, scope, now, null, note);
        });
    }

    public IReadOnlyList<ConsentRecord> ListConsents(long creatorId) => Read(s =>
    {
        RequireCreator(s, creatorId);
        return s.Query($"SELECT {ConsentColumns} FROM consents k WHERE k.creator_id = @creator ORDER BY k.id",
            r => ReadConsent(s, r), ("creator", creatorId));
    });

    public bool HasValidConsent(long creatorId, string scope)
    {
        ConsentScopes.Validate(scope);
        return Read(s =>
        {
            RequireCreator(s, creatorId);
            return HasValidConsent(s, creatorId, scope);
        });
    }

    static bool HasValidConsent(SqlSession s, long creatorId, string scope) =>
        s.ScalarInt64($"SELECT COUNT(*) FROM consents k WHERE k.creator_id = @creator AND {ValidConsentCovers}",
            ("creator", creatorId), ("scope", scope)) > 0;

    static Creator RequireCreator(SqlSession s, long creatorId, string lockClause = "") =>
        s.QuerySingle($"SELECT {CreatorColumns} FROM creators c WHERE c.id = @id{lockClause}", r => ReadCreator(s, r), ("id", creatorId))
        ?? throw new UnknownEntityException("creator", $"with id {creatorId}");

    static Creator ReadCreator(SqlSession s, DbDataReader r) => new(r.Int64(0), r.GetString(1), s.ReadTime(r, 2))
    {
        OrganisationId = r.OptionalInt64(3),
        DisplayName = r.OptionalString(4),
    };

    static ConsentRecord ReadConsent(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.Int64(1), r.GetString(2), s.ReadTime(r, 3), s.ReadOptionalTime(r, 4), r.OptionalString(5));
}
