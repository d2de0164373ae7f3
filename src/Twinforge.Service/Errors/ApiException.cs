namespace Twinforge.Service.Errors;

/// <summary>
/// A refusal a handler raises at the edge, carrying the status and error body it becomes (see <see cref="ApiErrors"/>).
/// </summary>
public sealed class ApiException(int status, string message, string type = ApiErrorTypes.InvalidRequest, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>Extra detail for the body's <c>twinforge</c> object (e.g. an upload's problems).</summary>
    public object? Detail { get; init; }

    public ApiError ToError() => new(Message, Type, Param, Code) { Twinforge = Detail };

    /// <summary>
    /// An unknown id, or another organisation's: the same 404 and words either way, so existence does not leak. The
    /// wording is the hosted API's ("No such File object: file-…").
    /// </summary>
    public static ApiException NotFound(string objectName, string? id, string param = "id") =>
        new(StatusCodes.Status404NotFound, $"No such {objectName} object: {id}", param: param, code: "not_found");

    public static ApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, param: param, code: code);
}
