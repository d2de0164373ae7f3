using System.Text.Json.Serialization;

namespace Twinforge.Service.Errors;

/// <summary>
/// The hosted APIs' error body, <c>{"error":{"message","type","param","code"}}</c>, which their SDKs turn into
/// exceptions; Twinforge's additions (an upload's problems by line) go under <c>twinforge</c> inside it.
/// </summary>
public sealed record ApiErrorBody(ApiError Error);

public sealed record ApiError(string Message, string Type, string? Param, string? Code)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? Twinforge { get; init; }
}

/// <summary>The error types the hosted APIs use, so clients that branch on them keep working.</summary>
public static class ApiErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string RateLimit = "rate_limit_error";
    public const string Conflict = "conflict_error";
    public const string Server = "server_error";
}
