using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Models;

/// <summary>
/// <c>/v1/models</c>: what a key may name as a completion's <c>model</c>. The registered bases (shared by every
/// organisation: the operator registers them) and, of the organisation's creators only, every succeeded twin version
/// by the id a completion answers with (<c>creator-…/twin@2</c>); a twin, an alias or a version may be named more
/// briefly (<see cref="ModelName"/>). <c>GET /v1/models/{id}</c> resolves any such name now, so it shows what an alias
/// points at; another organisation's twin is as unknown as a missing one.
/// </summary>
public static class ModelEndpoints
{
    /// <summary>Whom the bases belong to in <c>owned_by</c>: the service, not an organisation.</summary>
    public const string BaseOwner = "twinforge";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var models = endpoints.MapGroup("/v1/models").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Models");

        models.MapGet("", (Caller caller, ServiceStorage storage) =>
        {
            var registry = storage.Registry;
            var bases = registry.ListBaseModels().Where(baseModel => baseModel.Path is not null).ToList();
            var baseNames = bases.ToDictionary(baseModel => baseModel.Id, baseModel => baseModel.Name);
            var listed = bases.Select(Base).ToList();
            foreach (var creator in registry.ListOrganisationCreators(caller.OrganisationId))
                foreach (var twin in registry.ListTwins(creator.Id))
                {
                    var aliases = registry.ListAliases(twin.Id).ToLookup(alias => alias.VersionId, alias => alias.Name);
                    foreach (var version in registry.ListVersions(twin.Id).Where(Servable))
                        listed.Add(Version(creator, twin, version, baseNames.GetValueOrDefault(version.BaseModelId, ""), [.. aliases[version.Id].Order(StringComparer.Ordinal)]));
                }
            return Lists.Of(listed, model => model.Id);
        });

        // Ids hold '/' and '@'; SDKs escape them (%2F, %40), so the id is the rest of the path, unescaped.
        models.MapGet("/{**id}", (string id, Caller caller, ServiceStorage storage) =>
        {
            var model = Resolve(storage, caller, Uri.UnescapeDataString(id));
            if (model.Version is not { } version) return Base(model.Base);
            var aliases = storage.Registry.ListAliases(version.TwinId).Where(alias => alias.VersionId == version.Id).Select(alias => alias.Name)
                .Order(StringComparer.Ordinal).ToList();
            return Version(model.Creator!, model.Twin!, version, model.Base.Name, aliases);
        });
    }

    /// <summary>
    /// What <paramref name="model"/> names among the caller's organisation's creators and the bases; anything else —
    /// unknown, another organisation's, a version not (or no longer) succeeded — is the hosted API's 404
    /// <c>model_not_found</c>, saying why only about the caller's own twins.
    /// </summary>
    public static ResolvedModel Resolve(ServiceStorage storage, Caller caller, string model, string param = "model")
    {
        try
        {
            return new ModelResolver(storage.Registry).Resolve(model, storage.Registry.ListOrganisationCreators(caller.OrganisationId));
        }
        catch (UnknownModelException unknown)
        {
            throw new ApiException(StatusCodes.Status404NotFound,
                $"The model '{model}' does not exist or you do not have access to it ({unknown.Why}).", param: param, code: "model_not_found");
        }
    }

    static bool Servable(TwinVersion version) => version.Status == VersionStatus.Succeeded && version.DeletedAt is null;

    static ModelObject Base(BaseModel baseModel) =>
        new(baseModel.Name, "model", baseModel.CreatedAt.ToUnixTimeSeconds(), BaseOwner) { Twinforge = new ModelDetail("base", baseModel.Name, null, null, null, null) };

    static ModelObject Version(Creator creator, Twin twin, TwinVersion version, string baseName, IReadOnlyList<string> aliases) =>
        new($"{creator.Name}/{twin.Name}@{version.Number}", "model", version.CreatedAt.ToUnixTimeSeconds(), creator.Name)
        {
            Twinforge = new ModelDetail("twin", baseName, creator.Name, twin.Name, version.Number, aliases),
        };
}
