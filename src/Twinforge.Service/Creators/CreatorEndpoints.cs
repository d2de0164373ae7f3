using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Creators;

/// <summary>
/// <c>/v1/creators</c> (a Twinforge extension): the people an organisation's data is of, with their consent, as the
/// command line's <c>creator</c> commands keep them. Withdrawing consent deletes the creator's data under that scope —
/// their files included — and every twin version built from it, as the registry does for the command line, and what
/// was unpacked to serve those versions.
/// </summary>
public static class CreatorEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var creators = endpoints.MapGroup("/v1/creators").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Creators (Twinforge)");

        creators.MapPost("", (CreateCreatorRequest request, Caller caller, ServiceStorage storage) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name)) throw ApiException.BadRequest("'name' is required.", "name", "missing_required_parameter");
            var scope = request.Consent is { } consent ? Scope(consent.Scope, "consent.scope") : null;
            var creator = storage.Registry.CreateOrganisationCreator(caller.OrganisationId, PublicIds.New(PublicIds.Creator), request.Name.Trim());
            if (scope is not null) storage.Registry.GiveConsent(creator.Id, scope, request.Consent!.Note);
            return Results.Json(View(storage, creator, scope), statusCode: StatusCodes.Status201Created);
        });

        creators.MapGet("", (Caller caller, ServiceStorage storage) =>
            Lists.Of(storage.Registry.ListOrganisationCreators(caller.OrganisationId).Select(creator => View(storage, creator)).ToList(), c => c.Id));

        creators.MapGet("/{creatorId}", (string creatorId, Caller caller, ServiceStorage storage) => View(storage, Find(storage, caller, creatorId)));

        creators.MapPost("/{creatorId}/consents", (string creatorId, ConsentRequest request, Caller caller, ServiceStorage storage) =>
        {
            var creator = Find(storage, caller, creatorId);
            var scope = Scope(request.Scope, "scope");
            storage.Registry.GiveConsent(creator.Id, scope, request.Note);
            return View(storage, creator, scope);
        });

        creators.MapPost("/{creatorId}/consents/withdraw", (string creatorId, WithdrawConsentRequest request, Caller caller, ServiceStorage storage, ServedModels served) =>
        {
            var creator = Find(storage, caller, creatorId);
            var scope = Scope(request.Scope, "scope");
            if (string.IsNullOrWhiteSpace(request.Reason))
                throw ApiException.BadRequest("'reason' is required: it is kept in the audit record.", "reason", "missing_required_parameter");
            try
            {
                // Through the lifecycle: the work directories (unpacked data, checkpoints) of the jobs' interrupted versions go too.
                var withdrawal = storage.Lifecycle(caller.Actor).WithdrawConsent(creator.Id, scope, request.Reason);
                // Nothing unpacked for serving outlives the erasure of what it was derived from.
                served.ForgetErased();
                var audit = withdrawal.Audit;
                return Results.Json(new ConsentWithdrawalObject("creator.consent_withdrawal", creator.Name, scope, audit.DeletedDatasetIds.Count,
                    audit.DeletedVersionIds.Count, withdrawal.Artifacts.Deleted.Count, audit.Id));
            }
            catch (NothingToWithdrawException nothing)
            {
                throw new ApiException(StatusCodes.Status409Conflict, nothing.Message, ApiErrorTypes.Conflict, "scope", "nothing_to_withdraw");
            }
        });
    }

    /// <summary>The organisation's creator with this id; an unknown id and another organisation's read alike (404).</summary>
    public static Creator Find(ServiceStorage storage, Caller caller, string? creatorId, string param = "id") =>
        (PublicIds.IsValid(PublicIds.Creator, creatorId) ? storage.Registry.FindOrganisationCreator(caller.OrganisationId, creatorId!) : null)
        ?? throw ApiException.NotFound("Creator", creatorId, param);

    /// <param name="given">The scope this request gave consent for, if any: warned of when no data asks for it.</param>
    static CreatorObject View(ServiceStorage storage, Creator creator, string? given = null) =>
        CreatorObject.From(creator, storage.Registry.ListConsents(creator.Id)) with
        {
            Warnings = given is not null && ConsentScopes.UnknownScopeNote(given) is { } note ? [note] : null,
        };

    /// <param name="param">Where the request gave the scope, named in the error when it is not a scope's name.</param>
    static string Scope(string? scope, string param)
    {
        try
        {
            return ConsentScopes.Validate(scope ?? ConsentScopes.Text);
        }
        catch (InvalidValueException invalid)
        {
            throw ApiException.BadRequest(invalid.Message, param, "invalid_value");
        }
    }
}
