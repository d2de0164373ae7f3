using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Admin;

/// <summary>
/// <c>/admin/organizations</c> (Twinforge's; the admin key only): create, list, read and modify organisations (whether
/// their completions' provenance keeps the prompt and text, whether their completions are watermarked), and create,
/// list and revoke their API keys. A key is shown once, in the answer that creates it; only its hash is recorded.
/// </summary>
public static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin/organizations").RequireAuthorization(ApiKeyClaims.AdminPolicy).WithTags("Admin (Twinforge)");

        admin.MapPost("", (CreateOrganizationRequest request, ServiceStorage storage) =>
        {
            var name = Required(request.Name, "name");
            var organisation = storage.Registry.CreateOrganisation(PublicIds.New(PublicIds.Organisation), name);
            return Results.Json(OrganizationObject.From(organisation), statusCode: StatusCodes.Status201Created);
        });

        admin.MapGet("", (ServiceStorage storage) => Lists.Of(storage.Registry.ListOrganisations().Select(OrganizationObject.From).ToList(), o => o.Id));

        admin.MapGet("/{organizationId}", (string organizationId, ServiceStorage storage) => OrganizationObject.From(Organisation(storage, organizationId)));

        // Modified with POST, as the hosted API modifies its objects.
        admin.MapPost("/{organizationId}", (string organizationId, ModifyOrganizationRequest request, ServiceStorage storage) =>
        {
            var organisation = Organisation(storage, organizationId);
            if (request.RecordCompletionContent is { } record)
                organisation = storage.Registry.SetRecordCompletionContent(organisation.Id, record) ?? throw ApiException.NotFound("Organization", organizationId, "organization_id");
            if (request.WatermarkCompletions is { } watermark)
                organisation = storage.Registry.SetWatermarkCompletions(organisation.Id, watermark) ?? throw ApiException.NotFound("Organization", organizationId, "organization_id");
            return OrganizationObject.From(organisation);
        });

        admin.MapPost("/{organizationId}/api_keys", (string organizationId, CreateApiKeyRequest request, ServiceStorage storage) =>
        {
            var organisation = Organisation(storage, organizationId);
            long? defaultCreator = null;
            if (request.DefaultCreator is { } creatorId)
                defaultCreator = (PublicIds.IsValid(PublicIds.Creator, creatorId) ? storage.Registry.FindOrganisationCreator(organisation.Id, creatorId) : null)?.Id
                    ?? throw ApiException.NotFound("Creator", creatorId, "default_creator");
            var key = ApiKeySecrets.New();
            var recorded = storage.Registry.CreateApiKey(new NewApiKey(PublicIds.New(PublicIds.Key), organisation.Id,
                request.Name is null ? "key" : Required(request.Name, "name"), ApiKeySecrets.Hash(key), ApiKeySecrets.Hint(key))
            {
                DefaultCreatorId = defaultCreator,
            });
            return Results.Json(ApiKeyObject.From(recorded, request.DefaultCreator, key), statusCode: StatusCodes.Status201Created);
        });

        admin.MapGet("/{organizationId}/api_keys", (string organizationId, ServiceStorage storage) =>
        {
            var organisation = Organisation(storage, organizationId);
            var creators = storage.Registry.ListOrganisationCreators(organisation.Id).ToDictionary(c => c.Id, c => c.Name);
            return Lists.Of(storage.Registry.ListApiKeys(organisation.Id)
                .Select(key => ApiKeyObject.From(key, key.DefaultCreatorId is { } c ? creators.GetValueOrDefault(c) : null)).ToList(), k => k.Id);
        });

        admin.MapDelete("/{organizationId}/api_keys/{keyId}", (string organizationId, string keyId, ServiceStorage storage) =>
        {
            var organisation = Organisation(storage, organizationId);
            var revoked = (PublicIds.IsValid(PublicIds.Key, keyId) ? storage.Registry.RevokeApiKey(organisation.Id, keyId) : null)
                ?? throw ApiException.NotFound("API key", keyId);
            return Results.Json(new { id = revoked.PublicId, @object = "organization.api_key.deleted", deleted = true });
        });
    }

    static Organisation Organisation(ServiceStorage storage, string id) =>
        (PublicIds.IsValid(PublicIds.Organisation, id) ? storage.Registry.FindOrganisation(id) : null)
        ?? throw ApiException.NotFound("Organization", id, "organization_id");

    static string Required(string? value, string param) =>
        string.IsNullOrWhiteSpace(value) ? throw ApiException.BadRequest($"'{param}' is required.", param, "missing_required_parameter") : value.Trim();
}
