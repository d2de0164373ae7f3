using System.Text.Json;
using System.Text.RegularExpressions;
using Twinforge.Engine;

namespace Twinforge.Service.Errors;

/// <summary>
/// A request the framework could not bind, said in the API's terms: the parameter at fault as <c>param</c>, and no
/// .NET type names (the JSON reader's "could not be converted to Twinforge.Service.…", the router's "Nullable&lt;int&gt;").
/// </summary>
public static partial class BindingErrors
{
    /// <summary>A body that is not JSON, or holds a value of the wrong type for its field.</summary>
    public static ApiError ForJson(JsonException json)
    {
        // "$.messages[0].content" → "messages[0].content": the field as the request names it.
        var param = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        var wrongType = json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
        if (wrongType && param is not null)
            return new ApiError($"'{param}' has a value of the wrong type (a string where a number belongs, say): see the API reference for what it takes.",
                ApiErrorTypes.InvalidRequest, param, "invalid_type");
        var at = json.LineNumber is long line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        var reason = JsonProblem.Reason(json) is { Length: > 0 } said ? $": {said}" : "";
        return new ApiError($"The request body is not valid JSON{at}{reason}.", ApiErrorTypes.InvalidRequest, param, "invalid_json");
    }

    /// <summary>A query or route value of the wrong form (<c>?limit=abc</c>), or a body the framework refused.</summary>
    public static ApiError ForBadRequest(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json) return ForJson(json);
        if (FailedBinding().Match(bad.Message) is { Success: true } binding)
        {
            var name = binding.Groups["name"].Value;
            return new ApiError($"'{name}' cannot be \"{binding.Groups["value"].Value}\"{Expected(binding.Groups["type"].Value)}.",
                ApiErrorTypes.InvalidRequest, name, "invalid_value");
        }
        return new ApiError(bad.Message, ApiErrorTypes.InvalidRequest, null, "invalid_request");
    }

    static string Expected(string type) => type switch
    {
        "int" or "Nullable<int>" or "long" or "Nullable<long>" => ": it is a whole number",
        "bool" or "Nullable<bool>" => ": it is true or false",
        _ => "",
    };

    /// <summary>ASP.NET Core's "Failed to bind parameter "Nullable&lt;int&gt; limit" from "abc"."</summary>
    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[A-Za-z_][A-Za-z0-9_]*)\" from \"(?<value>.*)\"\\.?$")]
    private static partial Regex FailedBinding();
}
