using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>
/// A run's <c>run.json</c> (written by <c>FineTuning</c>) read loosely: every field is optional, since a pretraining
/// run or an older version may lack some, and a missing file gives an empty record.
/// </summary>
public sealed class RunRecord
{
    public const string FileName = "run.json";

    readonly JsonObject root;

    RunRecord(JsonObject root) => this.root = root;

    public static RunRecord Empty => new(new JsonObject());

    /// <exception cref="InputFileException">The file exists but is not a JSON object.</exception>
    public static RunRecord Load(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) return Empty;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject root
                ? new RunRecord(root)
                : throw new InputFileException(path, "expected a JSON object");
        }
        catch (JsonException exception)
        {
            throw new InputFileException(path, $"not valid JSON: {exception.Message}", line: exception.LineNumber + 1, inner: exception);
        }
    }

    public string? BaseModel => Text(root["base_model"]);
    public string? Method => Text(root["method"]);
    public string? Adapter => Text(root["adapter"]);
    public string? Model => Text(root["model"]);

    public IReadOnlyList<(string Path, string? Sha256)> DataFiles =>
        (root["data_files"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(file => (Text(file["path"]) ?? "?", Text(file["sha256"])))
            .ToList();

    /// <summary>The dataset statistics, flattened to name/value rows.</summary>
    public IReadOnlyList<(string Name, string Value)> DataStatistics => Flatten(root["data"]);

    /// <summary>The options the run was given, flattened to name/value rows.</summary>
    public IReadOnlyList<(string Name, string Value)> Options => Flatten(root["options"]);

    /// <summary>A field of the serialised <c>TrainingResult</c>, by its snake_case path, e.g. <c>("overfitting", "gap_widening_step")</c>.</summary>
    public JsonNode? Result(params string[] path)
    {
        JsonNode? node = root["result"];
        foreach (var name in path) node = (node as JsonObject)?[name];
        return node;
    }

    public int? ResultInt(params string[] path) => Number(Result(path)) is double value ? (int)value : null;
    public double? ResultDouble(params string[] path) => Number(Result(path));
    public bool? ResultBool(params string[] path) =>
        Result(path) is JsonValue value && value.TryGetValue(out bool flag) ? flag : null;

    static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : node?.ToJsonString();

    static double? Number(JsonNode? node)
    {
        if (node is not JsonValue value) return null;
        if (value.TryGetValue(out double number)) return number;
        // NaN and infinities are written as strings (AllowNamedFloatingPointLiterals).
        return value.TryGetValue(out string? text) && double.TryParse(text, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out number) ? number : null;
    }

    static List<(string Name, string Value)> Flatten(JsonNode? node)
    {
        var rows = new List<(string, string)>();
        Flatten(node, "", rows);
        return rows;
    }

    static void Flatten(JsonNode? node, string prefix, List<(string, string)> rows)
    {
        if (node is JsonObject obj)
        {
            foreach (var (name, child) in obj) Flatten(child, prefix.Length == 0 ? name : $"{prefix}.{name}", rows);
        }
        else if (prefix.Length > 0)
        {
            rows.Add((prefix, node is null ? "—" : Text(node) ?? "—"));
        }
    }
}
