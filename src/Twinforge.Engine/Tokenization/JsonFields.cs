using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Reads and writes the JSON files of a tokenizer directory; every problem becomes an <see cref="InputFileException"/>
/// naming the file, the field (as a path such as <c>model.merges[12]</c>) and, for syntax errors, the line.
/// </summary>
internal static class JsonFields
{
    /// <summary>Writes non-ASCII tokens ("Ġthe", "你好") as themselves, like Hugging Face does.</summary>
    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject ReadObject(string filePath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(filePath);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(filePath, $"cannot be read: {error.Message}", inner: error);
        }
        JsonNode? root;
        try
        {
            // Duplicate keys are rejected while parsing; JsonObject would otherwise throw a bare ArgumentException later.
            root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, AllowDuplicateProperties = false });
        }
        catch (JsonException error)
        {
            long? line = error.LineNumber is long zeroBased ? zeroBased + 1 : null;
            long? column = line is null ? null : error.BytePositionInLine + 1;
            throw new InputFileException(filePath, $"is not valid JSON: {JsonProblem.Reason(error)}", line: line, inner: error, column: column);
        }
        return root as JsonObject
            ?? throw new InputFileException(filePath, $"expected a JSON object at the top level, found {Describe(root)}");
    }

    public static string RequiredString(JsonNode node, string key, string filePath, string field) =>
        OptionalString(node, key, filePath, field)
        ?? throw new InputFileException(filePath, "is missing", Join(field, key));

    public static string? OptionalString(JsonNode node, string key, string filePath, string field)
    {
        var value = Child(node, key, filePath, field);
        if (value is null) return null;
        if (value is JsonValue scalar && scalar.TryGetValue(out string? text)) return text;
        throw new InputFileException(filePath, $"expected a string, found {Describe(value)}", Join(field, key));
    }

    public static bool OptionalBool(JsonNode node, string key, bool fallback, string filePath, string field)
    {
        var value = Child(node, key, filePath, field);
        if (value is null) return fallback;
        if (value is JsonValue scalar && scalar.TryGetValue(out bool flag)) return flag;
        throw new InputFileException(filePath, $"expected true or false, found {Describe(value)}", Join(field, key));
    }

    public static int RequiredInt(JsonNode node, string key, string filePath, string field)
    {
        var value = Child(node, key, filePath, field) ?? throw new InputFileException(filePath, "is missing", Join(field, key));
        return AsInt(value, filePath, Join(field, key));
    }

    public static int AsInt(JsonNode value, string filePath, string field)
    {
        if (value is JsonValue scalar && scalar.TryGetValue(out int number) && number >= 0) return number;
        throw new InputFileException(filePath, $"expected a non-negative integer id, found {Describe(value)}", field);
    }

    public static JsonArray RequiredArray(JsonNode node, string key, string filePath, string field) =>
        Child(node, key, filePath, field) switch
        {
            JsonArray array => array,
            null => throw new InputFileException(filePath, "is missing", Join(field, key)),
            var other => throw new InputFileException(filePath, $"expected an array, found {Describe(other)}", Join(field, key)),
        };

    public static JsonObject RequiredObject(JsonNode node, string key, string filePath, string field) =>
        Child(node, key, filePath, field) switch
        {
            JsonObject value => value,
            null => throw new InputFileException(filePath, "is missing", Join(field, key)),
            var other => throw new InputFileException(filePath, $"expected an object, found {Describe(other)}", Join(field, key)),
        };

    /// <summary>A member of an object; null when absent or JSON null.</summary>
    public static JsonNode? Child(JsonNode node, string key, string filePath, string field) =>
        node is JsonObject obj
            ? obj[key]
            : throw new InputFileException(filePath, $"expected an object, found {Describe(node)}", field.Length == 0 ? null : field);

    public static string Join(string field, string key) => field.Length == 0 ? key : $"{field}.{key}";

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => $"the string \"{Shorten(value.GetValue<string>())}\"",
        _ => Shorten(node.ToJsonString()),
    };

    static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
