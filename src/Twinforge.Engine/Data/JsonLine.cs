using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>Parses one line of a JSON Lines file into an object, reporting lines that are not one.</summary>
internal static class JsonLine
{
    static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    /// <summary>The line's object, or null (nothing reported) if it does not parse to one.</summary>
    public static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: Options) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The line's object, or null after reporting why it is not one.</summary>
    public static JsonObject? Parse(string path, SourceLine line, List<DatasetProblem> problems)
    {
        JsonNode? node;
        string? brokenField;
        try
        {
            node = JsonNode.Parse(line.Text, documentOptions: Options);
            // A string's escapes are decoded only when it is read: found here, the line is refused with where it is,
            // not by an exception from whatever reads the field first.
            brokenField = node is JsonObject fields ? FirstBrokenString(fields, "") : null;
        }
        catch (InvalidOperationException error) when (JsonProblem.IsUndecodableText(error))
        {
            // A property name that does not decode (while parsing or listing the fields): no field to name.
            problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.InvalidJson, $"a name {JsonProblem.UndecodableText}"));
            return null;
        }
        catch (JsonException error)
        {
            var hint = line.Number == 1 && line.Text.TrimStart().StartsWith('[')
                ? "; a JSON Lines file holds one object per line, not a list"
                : "";
            problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.InvalidJson, $"is not valid JSON: {Shorten(error)}{hint}"));
            return null;
        }
        if (brokenField is not null)
        {
            problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.InvalidJson, JsonProblem.UndecodableText, brokenField));
            return null;
        }
        if (node is JsonObject value) return value;
        problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.NotAnObject,
            $"expected a JSON object, found {JsonFields.Describe(node)}"));
        return null;
    }

    public static string Describe(JsonNode? node) => JsonFields.Describe(node);


    /// <summary>The path (<c>messages[0].content</c>) of the first string that does not decode, or null.</summary>
    static string? FirstBrokenString(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject fields:
                foreach (var (name, child) in fields)
                    if (FirstBrokenString(child, at.Length == 0 ? name : $"{at}.{name}") is { } found) return found;
                return null;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                    if (FirstBrokenString(items[i], $"{at}[{i}]") is { } found) return found;
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    value.GetValue<string>();
                    return null;
                }
                catch (InvalidOperationException error) when (JsonProblem.IsUndecodableText(error))
                {
                    return at;
                }
            default:
                return null;
        }
    }

    /// <summary>The reader's reason and the byte of the line where it found it (the line is already known).</summary>
    static string Shorten(JsonException error)
    {
        var message = JsonProblem.Reason(error);
        return error.BytePositionInLine is long position ? $"{message} (at byte {position + 1})" : message;
    }
}
