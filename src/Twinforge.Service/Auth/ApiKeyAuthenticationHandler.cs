using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Auth;

/// <summary>
/// <c>Authorization: Bearer tf-…</c>: the key's hash is looked up among the live keys (or compared with the
/// environment's admin key), and the principal carries its organisation. A missing or wrong key is answered 401 in
/// the API's error shape; a key on an endpoint of the other kind (admin vs organisation) 403.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ServiceStorage storage, AdminCredential admin)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    const string Bearer = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.Fail("not a bearer key"));
        var hash = ApiKeySecrets.Hash(header[Bearer.Length..].Trim());

        List<Claim> claims;
        if (admin.Matches(hash))
            claims = [new(ApiKeyClaims.KeyId, "environment"), new(ApiKeyClaims.Admin, "true")];
        else if (storage.Registry.FindLiveApiKey(hash) is { } key)
        {
            claims = [new(ApiKeyClaims.KeyId, key.PublicId)];
            if (key.OrganisationId is { } organisation) claims.Add(new(ApiKeyClaims.Organisation, organisation.ToString(CultureInfo.InvariantCulture)));
            else claims.Add(new(ApiKeyClaims.Admin, "true"));
            if (key.DefaultCreatorId is { } creator) claims.Add(new(ApiKeyClaims.DefaultCreator, creator.ToString(CultureInfo.InvariantCulture)));
        }
        else return Task.FromResult(AuthenticateResult.Fail("unknown or revoked key"));

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyClaims.Scheme));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyClaims.Scheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var missing = string.IsNullOrEmpty(Request.Headers.Authorization);
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Write(Context, StatusCodes.Status401Unauthorized, missing
            ? new ApiError("You didn't provide an API key. Provide it in an Authorization header: 'Authorization: Bearer tf-…'.",
                ApiErrorTypes.Authentication, null, "missing_api_key")
            : new ApiError("Incorrect API key provided.", ApiErrorTypes.Authentication, null, "invalid_api_key"));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiErrors.Write(Context, StatusCodes.Status403Forbidden, Context.User.HasClaim(claim => claim.Type == ApiKeyClaims.Admin)
            ? new ApiError("The admin key manages organisations and keys; use an organisation's key here.", ApiErrorTypes.Permission, null, "admin_key")
            : new ApiError("This endpoint needs the admin key.", ApiErrorTypes.Permission, null, "not_admin"));
}
