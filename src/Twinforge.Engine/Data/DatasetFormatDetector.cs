namespace Twinforge.Engine.Data;

/// <summary>Tells a file's format from its extension and, for JSON Lines, its first valid line.</summary>
internal static class DatasetFormatDetector
{
    /// <summary>
    /// <c>.jsonl</c>/<c>.json</c>: chat when the first line that parses to an object has <c>"messages"</c>,
    /// prompt/completion when it has <c>"prompt"</c> or <c>"completion"</c>, null (reported) otherwise; chat when no line
    /// parses, so the chat reader reports each. Every other extension: plain text.
    /// </summary>
    public static DatasetFormat? Detect(string path, IReadOnlyList<SourceLine> lines, List<DatasetProblem> problems)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".jsonl" or ".json")) return DatasetFormat.PlainText;
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text) || JsonLine.TryParse(line.Text) is not { } first) continue;
            if (first.ContainsKey("messages")) return DatasetFormat.Chat;
            if (first.ContainsKey("prompt") || first.ContainsKey("completion")) return DatasetFormat.PromptCompletion;
            problems.Add(new DatasetProblem(path, line.Number, DatasetProblemKind.UnknownFormat,
                "cannot tell the format: the first object has neither \"messages\" (chat) nor \"prompt\"/\"completion\"; " +
                "fix the line or set the format explicitly"));
            return null;
        }
        return DatasetFormat.Chat;
    }
}
