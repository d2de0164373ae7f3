using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Models;

/// <summary>
/// Typed reads of a config.json object that name the file and the field when a value is missing or of the wrong
/// type, and remember which keys were read so the rest can be kept and written back.
/// </summary>
internal sealed class ConfigFieldReader(JsonObject json, string path)
{
    readonly HashSet<string> consumed = [];

    /// <summary>The file the fields come from, for error messages.</summary>
    public string Path => path;

    public string RequiredString(string field) =>
        OptionalString(field) ?? throw new InputFileException(path, "required field is missing", field);

    public int RequiredInt(string field, bool consume = true) =>
        Read(field, consume, node => (int?)AsInt(node, field)) ?? throw new InputFileException(path, "required field is missing", field);

    public string? OptionalString(string field) => Read(field, true, node =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw WrongType(field, "a string", node));

    public int? OptionalInt(string field) => Read(field, true, node => (int?)AsInt(node, field));

    public double? OptionalDouble(string field) => Read(field, true, node =>
        node.GetValueKind() == JsonValueKind.Number ? (double?)Number(node) : throw WrongType(field, "a number", node));

    public bool? OptionalBool(string field) => Read(field, true, node => node.GetValueKind() switch
    {
        JsonValueKind.True => (bool?)true,
        JsonValueKind.False => false,
        _ => throw WrongType(field, "true or false", node),
    });

    /// <summary>An int or a list of ints (Llama 3 lists several eos ids); empty when absent.</summary>
    public IReadOnlyList<int> OptionalIntList(string field) => Read(field, true, node => node switch
    {
        JsonArray array => array.Select(item => item is null ? throw WrongType(field, "a list of integers", node) : AsInt(item, field)).ToList(),
        _ => (IReadOnlyList<int>)[AsInt(node, field)],
    }) ?? [];

    public JsonObject? OptionalObject(string field) => Read(field, true, node =>
        node as JsonObject ?? throw WrongType(field, "an object", node));

    /// <summary>A copy of every field not read so far.</summary>
    public JsonObject UnreadFields()
    {
        var rest = new JsonObject();
        foreach (var (key, value) in json)
            if (!consumed.Contains(key)) rest[key] = value?.DeepClone();
        return rest;
    }

    T? Read<T>(string field, bool consume, Func<JsonNode, T?> convert)
    {
        if (consume) consumed.Add(field);
        var node = json[field];
        return node is null ? default : convert(node);
    }

    int AsInt(JsonNode node, string field)
    {
        if (node.GetValueKind() == JsonValueKind.Number)
        {
            double value = Number(node);
            if (value == Math.Floor(value) && value >= int.MinValue && value <= int.MaxValue) return (int)value;
        }
        throw WrongType(field, "an integer", node);
    }

    // A node built in code holds an int or a double; one parsed from text holds a JsonElement: read both alike.
    static double Number(JsonNode node) => double.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    InputFileException WrongType(string field, string expected, JsonNode node) =>
        new(path, $"expected {expected}, found {node.ToJsonString()}", field);
}
