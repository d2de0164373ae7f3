using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// Reads <c>{"prompt": "...", "completion": "..."}</c> lines. The prompt and the completion are encoded separately (as
/// at generation time, where the prompt is encoded and the model continues it) and concatenated with the tokenizer's
/// eos, if it has one; the loss is on the completion and the eos only.
/// </summary>
internal static class PromptCompletionJsonlReader
{
    public static List<SourceDocument> Read(string path, IReadOnlyList<SourceLine> lines, ITokenizer tokenizer, List<DatasetProblem> problems)
    {
        var documents = new List<SourceDocument>();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text)) continue;
            if (JsonLine.Parse(path, line, problems) is not { } root) continue;
            var prompt = ReadText(root, "prompt", path, line.Number, problems);
            var completion = ReadText(root, "completion", path, line.Number, problems);
            if (prompt is null || completion is null) continue;

            var promptIds = tokenizer.Encode(prompt);
            var completionIds = tokenizer.Encode(completion);
            int[] ids = tokenizer.Special.Eos is int eos ? [.. promptIds, .. completionIds, eos] : [.. promptIds, .. completionIds];
            var trainable = new bool[ids.Length];
            Array.Fill(trainable, true, promptIds.Count, ids.Length - promptIds.Count);
            documents.Add(new SourceDocument(ids, trainable, line.Number));
        }
        return documents;
    }

    static string? ReadText(JsonObject root, string key, string path, long line, List<DatasetProblem> problems)
    {
        DatasetProblem? problem = root[key] switch
        {
            _ when !root.ContainsKey(key) => new(path, line, DatasetProblemKind.MissingField,
                $"has no \"{key}\" (prompt/completion lines look like {{\"prompt\": \"...\", \"completion\": \"...\"}})", key),
            JsonValue value when value.GetValueKind() == JsonValueKind.String =>
                string.IsNullOrWhiteSpace(value.GetValue<string>()) ? new(path, line, DatasetProblemKind.EmptyText, "is empty", key) : null,
            var other => new(path, line, DatasetProblemKind.NotAString, $"expected a string, found {JsonLine.Describe(other)}", key),
        };
        if (problem is null)
        {
            var text = root[key]!.GetValue<string>();
            if (ControlCharacters.Find(text) is not var (kind, reason)) return text;
            problems.Add(new DatasetProblem(path, line, kind, reason, key));
            return kind == DatasetProblemKind.NulCharacter ? null : text;
        }
        problems.Add(problem);
        return null;
    }
}
