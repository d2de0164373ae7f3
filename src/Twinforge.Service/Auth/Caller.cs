using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using Twinforge.Service.Errors;

namespace Twinforge.Service.Auth;

/// <summary>
/// Who a request acts for, from its key: the organisation every query of an organisation endpoint is scoped to, and
/// the key's default creator. Bound as a parameter of organisation endpoints (which the <c>organisation</c> policy
/// admits only with an organisation key), so a handler cannot forget the scope.
/// </summary>
public sealed record Caller(string KeyId, long OrganisationId, long? DefaultCreatorId)
{
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult<Caller?>(From(context.User));

    public static Caller From(ClaimsPrincipal user)
    {
        var organisation = user.FindFirst(ApiKeyClaims.Organisation)?.Value
            ?? throw new ApiException(StatusCodes.Status403Forbidden, "This endpoint needs an organisation's API key.", ApiErrorTypes.Permission);
        var creator = user.FindFirst(ApiKeyClaims.DefaultCreator)?.Value;
        return new Caller(user.FindFirst(ApiKeyClaims.KeyId)!.Value, long.Parse(organisation, CultureInfo.InvariantCulture),
            creator is null ? null : long.Parse(creator, CultureInfo.InvariantCulture));
    }

    /// <summary>Who acts, as the registry records it with deletions: the key's id.</summary>
    public string Actor => $"api-key:{KeyId}";
}

/// <summary>The claims a key's principal carries, and the policies over them.</summary>
public static class ApiKeyClaims
{
    public const string Scheme = "ApiKey";
    public const string KeyId = "twinforge:key";
    public const string Organisation = "twinforge:organisation";
    public const string DefaultCreator = "twinforge:default_creator";
    public const string Admin = "twinforge:admin";

    public const string OrganisationPolicy = "organisation";
    public const string AdminPolicy = "admin";
}
