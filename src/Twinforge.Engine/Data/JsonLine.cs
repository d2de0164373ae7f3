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
        try
        {
            node = JsonNode.Parse(line.Text, documentOptions: Options);
        }
        catch (JsonException error)
        {
            var hint = line.Number == 1 && line.Text.TrimStart().StartsWith('[')
                ? "; a JSON Lines file holds one object per line, not a list"
                : "";
            problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.InvalidJson, $"is not valid JSON: {Shorten(error)}{hint}"));
            return null;
        }
        if (node is JsonObject value) return value;
        problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.NotAnObject,
            $"expected a JSON object, found {JsonFields.Describe(node)}"));
        return null;
    }

    public static string Describe(JsonNode? node) => JsonFields.Describe(node);

    /// <summary>The reader's reason and the byte of the line where it found it (the line is already known).</summary>
    static string Shorten(JsonException error)
    {
        var message = JsonProblem.Reason(error);
        return error.BytePositionInLine is long position ? $"{message} (at byte {position + 1})" : message;
    }
}
