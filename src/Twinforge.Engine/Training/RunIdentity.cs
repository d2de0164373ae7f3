using System.Text.Json.Nodes;

namespace Twinforge.Engine.Training;

/// <summary>
/// What makes a training run the run it is, kept in each checkpoint: one fingerprint over everything (a checkpoint
/// resumes only the same run), and its parts apart — the options as written, a hash of the trainable parameters and
/// one of the data — so a refused resume can say what changed.
/// </summary>
/// <param name="Fingerprint">The hash of options, trainable parameters and data together.</param>
/// <param name="Options">The run's options as JSON, as they were given.</param>
/// <param name="Parameters">A hash of the trainable parameters' names, shapes and types, the adapters and dropout.</param>
/// <param name="Data">A hash of the training and validation sequences, the data seed and the replay.</param>
public sealed record RunIdentity(string Fingerprint, string Options, string Parameters, string Data)
{
    /// <summary>
    /// What differs between the run a checkpoint was saved by (<paramref name="saved"/>) and this one, in words: each
    /// option that differs ("learning_rate was 0.0002, now 0.001"), then the parameters and data if they do. Empty
    /// when the checkpoint predates these parts, or nothing named differs.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(TrainerState saved)
    {
        var differences = new List<string>();
        if (saved.RunOptions is { } options)
        {
            var then = Flatten(JsonNode.Parse(options));
            var now = Flatten(JsonNode.Parse(Options));
            foreach (var key in then.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
            {
                var (before, after) = (then.GetValueOrDefault(key, "(not set)"), now.GetValueOrDefault(key, "(not set)"));
                if (before != after) differences.Add($"{key} was {before}, now {after}");
            }
        }
        if (saved.RunParameters is { } parameters && parameters != Parameters)
            differences.Add("the trainable parameters differ (another base model, adapter rank or targets, or frozen layers)");
        if (saved.RunData is { } data && data != Data)
            differences.Add("the data differ (other files, contents, sequence length, split or data seed)");
        return differences;
    }

    /// <summary>Every value by its dotted path ("data.validation_fraction"), as JSON text; a list is one value.</summary>
    static Dictionary<string, string> Flatten(JsonNode? node)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? current, string path)
        {
            if (current is JsonObject node)
                foreach (var (name, child) in node) Walk(child, path.Length == 0 ? name : $"{path}.{name}");
            else values[path] = current is null ? "null" : current.ToJsonString();
        }
        Walk(node, "");
        return values;
    }
}
