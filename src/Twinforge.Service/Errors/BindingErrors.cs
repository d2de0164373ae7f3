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
        if (JsonProblem.IsUndecodableText(json.InnerException)) return UndecodableText(param);
        if (ConversionTarget().Match(json.Message) is { Success: true } conversion)
        {
            if (param is null)
                return new ApiError("The request body must be a JSON object: see the API reference for its fields.", ApiErrorTypes.InvalidRequest, null, "invalid_json");
            var (expected, found) = Mismatch(json, conversion.Groups["type"].Value, param);
            return new ApiError($"'{param}' must be {expected}{(found is null ? "" : ", not " + found)}: see the API reference for what it takes.",
                ApiErrorTypes.InvalidRequest, param, "invalid_type");
        }
        var at = json.LineNumber is long line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        var reason = JsonProblem.Reason(json) is { Length: > 0 } said ? $": {said}" : "";
        // Broken JSON is the body's fault wherever the reader stopped: no field is named.
        return new ApiError($"The request body is not valid JSON{at}{reason}.", ApiErrorTypes.InvalidRequest, null, "invalid_json");
    }

    /// <summary>A string of the body that parsed but does not decode, named when the reader knew where it was.</summary>
    public static ApiError UndecodableText(string? param) =>
        new(param is null ? $"A string of the request body {JsonProblem.UndecodableText}." : $"'{param}' {JsonProblem.UndecodableText}.",
            ApiErrorTypes.InvalidRequest, param, "invalid_value");

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
        // ASP.NET Core's "Implicit body inferred for parameter "request" but no body was provided" (an empty body, or null).
        if (bad.Message.Contains("no body was provided", StringComparison.Ordinal))
            return new ApiError("The request body is empty: send a JSON object (see the API reference for its fields).", ApiErrorTypes.InvalidRequest, null, "invalid_json");
        return new ApiError(bad.Message, ApiErrorTypes.InvalidRequest, null, "invalid_request");
    }

    /// <summary>
    /// What the field takes and what was sent, in the API's words. A scalar's reader says both ("Cannot get the value
    /// of a token type 'String' as a boolean"); a number that does not parse says which kind it wanted; otherwise the
    /// converter's type is the field's own (a request's record, a list), which says what it takes but not what came.
    /// </summary>
    static (string Expected, string? Found) Mismatch(JsonException json, string convertedTo, string param)
    {
        if (json.InnerException is InvalidOperationException inner && TokenMismatch().Match(inner.Message) is { Success: true } token)
        {
            var expected = token.Groups["expected"].Value switch
            {
                "boolean" => "true or false",
                "string" => "a string",
                _ => IsWholeNumber(convertedTo, param) ? "a whole number" : "a number",
            };
            var found = token.Groups["found"].Value switch
            {
                "String" => "a string",
                "Number" => "a number",
                "True" or "False" => "true or false",
                "StartObject" => "an object",
                "StartArray" => "a list",
                _ => null,
            };
            return (expected, found);
        }
        // A number that does not parse: a fraction or a huge value for a whole number.
        if (json.InnerException is FormatException format)
            return (format.Message.Contains("Int", StringComparison.Ordinal) ? "a whole number" : "a number", null);
        bool list = convertedTo.Contains("List`1", StringComparison.Ordinal) || convertedTo.Contains("Enumerable`1", StringComparison.Ordinal)
                    || convertedTo.EndsWith("[]", StringComparison.Ordinal);
        return (list ? "a list" : "a JSON object", null);
    }

    /// <summary>
    /// Whether the field takes a whole number. The reader names the field's own type for a settable property
    /// ("System.Nullable`1[System.Int32]"), but a request record bound through its constructor names the record, so
    /// its property of the path's last name is looked up.
    /// </summary>
    static bool IsWholeNumber(string convertedTo, string? param)
    {
        var type = Type.GetType(convertedTo) ?? typeof(BindingErrors).Assembly.GetType(convertedTo);
        var name = param?[(param.LastIndexOf('.') + 1)..];
        if (type is not null && name is { Length: > 0 } && !IsNumber(type)
            && type.GetProperties().FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == name) is { } property)
            type = property.PropertyType;
        return type is not null && IsWhole(Nullable.GetUnderlyingType(type) ?? type);

        static bool IsNumber(Type t) => (Nullable.GetUnderlyingType(t) ?? t).IsPrimitive;
        static bool IsWhole(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(uint) || t == typeof(ulong) || t == typeof(ushort);
    }

    /// <summary>The JSON reader's "Cannot get the value of a token type 'Number' as a string."</summary>
    [GeneratedRegex("^Cannot get the value of a token type '(?<found>[A-Za-z]+)' as an? (?<expected>[a-z]+)")]
    private static partial Regex TokenMismatch();

    /// <summary>System.Text.Json's "The JSON value could not be converted to System.Int32. Path: $.n | LineNumber: …".</summary>
    [GeneratedRegex("^The JSON value could not be converted to (?<type>.+?)\\. Path: ")]
    private static partial Regex ConversionTarget();

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
