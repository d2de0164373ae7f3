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
    public string? ValidationFile => Text(root["validation_label"]) ?? Text(root["validation_file"]);

    /// <summary>Each data file: its path, hash, and how people know it when the path is a scratch copy (a creator's file).</summary>
    public IReadOnlyList<(string Path, string? Sha256, string? Label)> DataFiles =>
        (root["data_files"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(file => (Text(file["path"]) ?? "?", Text(file["sha256"]), Text(file["label"])))
            .ToList();

    /// <summary>
    /// The data as people read it: sequence length, what was trained on and held out, and per file what was kept
    /// and what the over-long policy dropped, cut or split. A record from before these fields gives its raw statistics.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> DataStatistics =>
        root["data"] is JsonObject data && data["train"] is JsonObject ? DataRows(data) : Flatten(root["data"]);

    /// <summary>The options the run was given, flattened to name/value rows with readable names.</summary>
    public IReadOnlyList<(string Name, string Value)> Options => Flatten(root["options"]);

    static List<(string Name, string Value)> DataRows(JsonObject data)
    {
        var rows = new List<(string, string)>();
        var sequenceLength = Number(data["sequence_length"]);
        if (sequenceLength is double length) rows.Add(("sequence length", Inv($"{length:0} tokens")));
        if (data["train"] is JsonObject train) rows.Add(("trained on", Describe(train)));
        if (data["held_out"] is JsonObject heldOut) rows.Add(("held out", Describe(heldOut)));
        var policy = Text(data["overlong_policy"]);
        foreach (var file in (data["files"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var text = Inv($"{Text(file["format"]) ?? "unread"}, {Number(file["documents"]):0} documents kept");
            if (file["overlong"] is JsonObject overlong && Number(overlong["documents_read"]) is double read)
            {
                double dropped = Number(overlong["dropped"]) ?? 0, truncated = Number(overlong["truncated"]) ?? 0, split = Number(overlong["split"]) ?? 0;
                text = Inv($"{Text(file["format"]) ?? "unread"}, {read - dropped:0} of {read:0} examples kept");
                if (dropped + truncated + split > 0)
                    text += Inv($"; longer than {sequenceLength:0} tokens ({policy}): {dropped:0} dropped, {truncated:0} truncated, {split:0} split ") +
                            Inv($"(the longest has {Number(overlong["longest_tokens"]):0})");
            }
            rows.Add((Text(file["label"]) ?? Text(file["path"]) ?? "file", text));
        }
        return rows;
    }

    static string Describe(JsonObject statistics) =>
        Inv($"{Number(statistics["documents"]):0} documents, {Number(statistics["examples"]):0} examples, ") +
        Inv($"{ReportFormat.Count((long)(Number(statistics["total_tokens"]) ?? 0))} tokens ({ReportFormat.Count((long)(Number(statistics["trainable_tokens"]) ?? 0))} trained on); ") +
        Inv($"tokens per example {Number(statistics["min_tokens"]):0} to {Number(statistics["max_tokens"]):0}, mean {Number(statistics["mean_tokens"]):0.0}");

    static string Inv(FormattableString text) => FormattableString.Invariant(text);

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

    /// <summary><c>training.learning_rate</c> → <c>training › learning rate</c>.</summary>
    static string Readable(string path) => path.Replace("_", " ").Replace(".", " › ");

    /// <summary>Whole numbers as they are, others to four significant decimals: no <c>512.1234567</c> in a report.</summary>
    static string FormatNumber(double number) =>
        number == Math.Floor(number) && Math.Abs(number) < 1e15
            ? number.ToString("0", System.Globalization.CultureInfo.InvariantCulture)
            : number.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

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
            rows.Add((Readable(prefix), node is null ? "—" : Number(node) is double number && node.GetValueKind() == JsonValueKind.Number
                ? FormatNumber(number)
                : Text(node) ?? "—"));
        }
    }
}
