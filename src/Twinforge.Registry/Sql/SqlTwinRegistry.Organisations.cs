using System.Data.Common;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Organisations (the service's tenants), their API keys and their creators. Every read of an organisation's record
// names the organisation in its WHERE clause, so another organisation's id reads exactly like an unknown one.
internal sealed partial class SqlTwinRegistry
{
    const string OrganisationColumns = "o.id, o.public_id, o.name, o.created_at, o.record_completion_content, o.watermark_completions";
    const string ApiKeyColumns = "a.id, a.public_id, a.organisation_id, a.name, a.hint, a.default_creator_id, a.created_at, a.revoked_at";

    public Organisation CreateOrganisation(string publicId, string name)
    {
        Names.RequireIdentifier(publicId, "organisation id");
        Names.RequireName(name, "organisation name");
        try
        {
            return Write(s =>
            {
                var now = Now();
                var id = s.InsertReturningId("INSERT INTO organisations (public_id, name, created_at) VALUES (@public, @name, @at) RETURNING id",
                    ("public", publicId), ("name", name), ("at", s.Time(now)));
                return new Organisation(id, publicId, name, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("organisation", $"with id '{publicId}'", e);
        }
    }

    public Organisation? FindOrganisation(string publicId) =>
        Read(s => s.QuerySingle($"SELECT {OrganisationColumns} FROM organisations o WHERE o.public_id = @public", r => ReadOrganisation(s, r),
            ("public", publicId)));

    public Organisation? FindOrganisation(long organisationId) => Read(s => FindOrganisation(s, organisationId));

    static Organisation? FindOrganisation(SqlSession s, long organisationId) =>
        s.QuerySingle($"SELECT {OrganisationColumns} FROM organisations o WHERE o.id = @id", r => ReadOrganisation(s, r), ("id", organisationId));

    public IReadOnlyList<Organisation> ListOrganisations() =>
        Read(s => s.Query($"SELECT {OrganisationColumns} FROM organisations o ORDER BY o.id", r => ReadOrganisation(s, r)));

    public ApiKey CreateApiKey(NewApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Names.RequireIdentifier(key.PublicId, "API key id");
        Names.RequireName(key.Name, "API key name");
        Names.RequireName(key.Hint, "API key hint");
        ContentHash.Require(key.KeyHash, "API key hash");
        if (key.OrganisationId is null && key.DefaultCreatorId is not null)
            throw new InvalidValueException("an admin key acts for no organisation, so it has no default creator");
        try
        {
            return Write(s =>
            {
                if (key.OrganisationId is { } organisation) RequireOrganisation(s, organisation);
                // The default creator must be the organisation's own: locked so it cannot change hands meanwhile.
                if (key.DefaultCreatorId is { } creator && FindOrganisationCreator(s, key.OrganisationId!.Value, creator, dialect.ForShareOf("c")) is null)
                    throw new UnknownEntityException("creator", $"with id {creator} in this organisation");
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO api_keys (public_id, organisation_id, name, key_hash, hint, default_creator_id, created_at)
                    VALUES (@public, @organisation, @name, @hash, @hint, @creator, @at) RETURNING id
                    """,
                    ("public", key.PublicId), ("organisation", key.OrganisationId), ("name", key.Name), ("hash", key.KeyHash),
                    ("hint", key.Hint), ("creator", key.DefaultCreatorId), ("at", s.Time(now)));
                return new ApiKey(id, key.PublicId, key.OrganisationId, key.Name, key.Hint, key.DefaultCreatorId, now, null);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("API key", $"with id '{key.PublicId}' or the same key");
        }
    }

    public ApiKey? FindLiveApiKey(string keyHash) =>
        Read(s => s.QuerySingle($"SELECT {ApiKeyColumns} FROM api_keys a WHERE a.key_hash = @hash AND a.revoked_at IS NULL",
            r => ReadApiKey(s, r), ("hash", keyHash)));

    public IReadOnlyList<ApiKey> ListApiKeys(long? organisationId) => Read(s => organisationId is { } organisation
        ? s.Query($"SELECT {ApiKeyColumns} FROM api_keys a WHERE a.organisation_id = @organisation ORDER BY a.id", r => ReadApiKey(s, r),
            ("organisation", organisation))
        : s.Query($"SELECT {ApiKeyColumns} FROM api_keys a WHERE a.organisation_id IS NULL ORDER BY a.id", r => ReadApiKey(s, r)));

    public ApiKey? RevokeApiKey(long? organisationId, string publicId) => Write(s =>
    {
        // Two statements rather than "= @organisation OR IS NULL": PostgreSQL cannot type a parameter that is only compared with NULL.
        var key = organisationId is { } organisation
            ? s.QuerySingle($"SELECT {ApiKeyColumns} FROM api_keys a WHERE a.public_id = @public AND a.organisation_id = @organisation{dialect.ForUpdateOf("a")}",
                r => ReadApiKey(s, r), ("public", publicId), ("organisation", organisation))
            : s.QuerySingle($"SELECT {ApiKeyColumns} FROM api_keys a WHERE a.public_id = @public AND a.organisation_id IS NULL{dialect.ForUpdateOf("a")}",
                r => ReadApiKey(s, r), ("public", publicId));
        if (key is null || key.RevokedAt is not null) return key;
        var now = Now();
        s.Execute("UPDATE api_keys SET revoked_at = @at WHERE id = @id", ("at", s.Time(now)), ("id", key.Id));
        return key with { RevokedAt = now };
    });

    public Creator CreateOrganisationCreator(long organisationId, string publicId, string displayName)
    {
        Names.RequireIdentifier(publicId, "creator id");
        Names.RequireName(displayName, "creator name");
        try
        {
            return Write(s =>
            {
                RequireOrganisation(s, organisationId);
                var now = Now();
                var id = s.InsertReturningId(
                    "INSERT INTO creators (name, created_at, organisation_id, display_name) VALUES (@name, @at, @organisation, @display) RETURNING id",
                    ("name", publicId), ("at", s.Time(now)), ("organisation", organisationId), ("display", displayName));
                return new Creator(id, publicId, now) { OrganisationId = organisationId, DisplayName = displayName };
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("creator", $"named '{publicId}'", e);
        }
    }

    public Creator? FindOrganisationCreator(long organisationId, string publicId) =>
        Read(s => s.QuerySingle($"SELECT {CreatorColumns} FROM creators c WHERE c.organisation_id = @organisation AND c.name = @name",
            r => ReadCreator(s, r), ("organisation", organisationId), ("name", publicId)));

    public Creator? FindOrganisationCreator(long organisationId, long creatorId) =>
        Read(s => FindOrganisationCreator(s, organisationId, creatorId));

    public IReadOnlyList<Creator> ListOrganisationCreators(long organisationId) =>
        Read(s => s.Query($"SELECT {CreatorColumns} FROM creators c WHERE c.organisation_id = @organisation ORDER BY c.id",
            r => ReadCreator(s, r), ("organisation", organisationId)));

    static Creator? FindOrganisationCreator(SqlSession s, long organisationId, long creatorId, string lockClause = "") =>
        s.QuerySingle($"SELECT {CreatorColumns} FROM creators c WHERE c.organisation_id = @organisation AND c.id = @id{lockClause}",
            r => ReadCreator(s, r), ("organisation", organisationId), ("id", creatorId));

    void RequireOrganisation(SqlSession s, long organisationId)
    {
        if (s.Scalar($"SELECT o.id FROM organisations o WHERE o.id = @id{dialect.ForShareOf("o")}", ("id", organisationId)) is null)
            throw new UnknownEntityException("organisation", $"with id {organisationId}");
    }

    static Organisation ReadOrganisation(SqlSession s, DbDataReader r) =>
        new(r.Int64(0), r.GetString(1), r.GetString(2), s.ReadTime(r, 3)) { RecordCompletionContent = r.Int64(4) != 0, WatermarkCompletions = r.Int64(5) != 0 };

    static ApiKey ReadApiKey(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.OptionalInt64(2), r.GetString(3), r.GetString(4), r.OptionalInt64(5), s.ReadTime(r, 6), s.ReadOptionalTime(r, 7));
}
