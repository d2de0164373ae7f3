using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Provenance;

/// <summary>
/// <c>/v1/provenance</c> (Twinforge's): a completion's signed record, for the organisation that asked for the
/// completion only (another's reads as unknown: 404), and the public key that verifies records offline, for anyone.
/// </summary>
public static class ProvenanceEndpoints
{
    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<ProvenanceSigningKey>();
        services.AddSingleton<ProvenanceRecorder>();
        services.AddHostedService<ProvenanceKeyStartup>();
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // Literal segments win over parameters in routing, so "public_key" never reaches the record's route.
        endpoints.MapGet("/v1/provenance/public_key", (ProvenanceSigningKey key) => ProvenancePublicKeyObject.From(key.PublicKey))
            .AllowAnonymous().WithTags("Provenance (Twinforge)");

        var provenance = endpoints.MapGroup("/v1/provenance").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Provenance (Twinforge)");
        provenance.MapGet("/{provenanceId}", (string provenanceId, Caller caller, ServiceStorage storage) =>
            ProvenanceObject.From((PublicIds.IsValid(PublicIds.Provenance, provenanceId) ? storage.Registry.FindProvenance(caller.OrganisationId, provenanceId) : null)
                ?? throw ApiException.NotFound("provenance", provenanceId)));
    }
}
