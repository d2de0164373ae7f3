using Twinforge.Registry.Records;

namespace Twinforge.Service.Admin;

// The admin API's shapes, after the hosted API's organisation admin objects.

public sealed record CreateOrganizationRequest(string? Name);

/// <summary><c>default_creator</c>: a creator of the organisation ("creator-…") that uploads through this key belong to unless they name one.</summary>
public sealed record CreateApiKeyRequest(string? Name, string? DefaultCreator);

/// <summary>
/// <c>record_completion_content</c>: whether the provenance records of the organisation's completions keep the prompt
/// and the generated text (readable through <c>GET /v1/provenance/{id}</c> until the twin is erased); off by default,
/// when a record keeps only their hashes. <c>watermark_completions</c>: whether its completions carry the watermark of
/// its key; on by default.
/// </summary>
public sealed record OrganizationObject(string Id, string Object, string Name, long CreatedAt, bool RecordCompletionContent, bool WatermarkCompletions)
{
    public static OrganizationObject From(Organisation organisation) =>
        new(organisation.PublicId, "organization", organisation.Name, organisation.CreatedAt.ToUnixTimeSeconds(), organisation.RecordCompletionContent,
            organisation.WatermarkCompletions);
}

/// <summary>A change of an organisation's settings; an absent setting stays as it is.</summary>
public sealed record ModifyOrganizationRequest(bool? RecordCompletionContent, bool? WatermarkCompletions);

/// <summary>A key as the admin sees it; <c>value</c>, the key itself, only in the answer to its creation, never again.</summary>
public sealed record ApiKeyObject(string Id, string Object, string Name, string RedactedValue, string? DefaultCreator, long CreatedAt, long? RevokedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Value = null)
{
    public static ApiKeyObject From(ApiKey key, string? defaultCreator, string? value = null) =>
        new(key.PublicId, "organization.api_key", key.Name, key.Hint, defaultCreator, key.CreatedAt.ToUnixTimeSeconds(),
            key.RevokedAt?.ToUnixTimeSeconds(), value);
}
