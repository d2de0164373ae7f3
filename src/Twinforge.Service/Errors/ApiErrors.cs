using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Engine;
using Twinforge.Registry.Errors;

namespace Twinforge.Service.Errors;

/// <summary>
/// Where every failure becomes the API's error body: exceptions escaping a handler (through the exception-handler
/// middleware), and bodiless error statuses from routing or the framework (through status-code pages), so no error
/// response leaves without <c>{"error":…}</c>. Internal errors say nothing of their cause to the client; the log does,
/// with the request id.
/// </summary>
public static class ApiErrors
{
    public static async Task Write(HttpContext context, int status, ApiError error)
    {
        context.Response.StatusCode = status;
        var json = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        await context.Response.WriteAsJsonAsync(new ApiErrorBody(error), json, contentType: "application/json");
    }

    /// <summary>The exception-handler middleware's delegate.</summary>
    public static Task HandleException(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, error) = Classify(exception);
        if (status >= 500)
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Twinforge.Service.Errors")
                .LogError(exception, "request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        return Write(context, status, error);
    }

    /// <summary>The status-code pages' delegate: an error status with no body gets one.</summary>
    public static Task WriteForStatus(StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        var status = context.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status404NotFound => new ApiError($"Unknown request URL: {context.Request.Method} {context.Request.Path}.",
                ApiErrorTypes.InvalidRequest, null, "unknown_url"),
            StatusCodes.Status405MethodNotAllowed => new ApiError($"{context.Request.Method} is not allowed on {context.Request.Path}.",
                ApiErrorTypes.InvalidRequest, null, "method_not_allowed"),
            StatusCodes.Status413PayloadTooLarge => new ApiError("The request body is too large.", ApiErrorTypes.InvalidRequest, null, "request_too_large"),
            StatusCodes.Status415UnsupportedMediaType => new ApiError(context.Request.Path.StartsWithSegments("/v1/files")
                    ? $"{context.Request.Path} takes a multipart/form-data body (curl -F)."
                    : $"{context.Request.Path} takes a JSON body: send it with the header 'Content-Type: application/json'.",
                ApiErrorTypes.InvalidRequest, null, "unsupported_media_type"),
            >= 500 => new ApiError("The server had an error while processing the request.", ApiErrorTypes.Server, null, null),
            _ => new ApiError($"The request failed with status {status}.", ApiErrorTypes.InvalidRequest, null, null),
        };
        return Write(context, status, error);
    }

    static (int Status, ApiError Error) Classify(Exception? exception) => exception switch
    {
        ApiException api => (api.Status, api.ToError()),
        // Body binding and Kestrel's limits: malformed JSON, a wrong content type, an oversized body.
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, new ApiError("The request body is too large.", ApiErrorTypes.InvalidRequest, null, "request_too_large")),
        BadHttpRequestException bad => (bad.StatusCode, BindingErrors.ForBadRequest(bad)),
        JsonException json => (400, BindingErrors.ForJson(json)),
        // A string read where no field is named for it (a parsed body's own checks name theirs).
        InvalidOperationException undecodable when JsonProblem.IsUndecodableText(undecodable) => (400, BindingErrors.UndecodableText(null)),
        // The registry's refusals of bad values (names, scopes) are the caller's to fix.
        InvalidValueException invalid => (400, new ApiError(invalid.Message, ApiErrorTypes.InvalidRequest, null, "invalid_value")),
        RegistryConflictException conflict => (409, new ApiError(conflict.Message, ApiErrorTypes.Conflict, null, "conflict")),
        _ => (500, new ApiError("The server had an error while processing the request; the log has it under this request's id.", ApiErrorTypes.Server, null, null)),
    };
}
