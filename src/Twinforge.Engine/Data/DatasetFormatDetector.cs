namespace Twinforge.Engine.Data;

/// <summary>Tells a file's format from its extension and, for JSON Lines, its first valid line.</summary>
internal static class DatasetFormatDetector
{
    /// <summary>
    /// <c>.jsonl</c>/<c>.json</c>: chat when the first line that parses to an object has <c>"messages"</c>,
    /// prompt/completion when it has <c>"prompt"</c> or <c>"completion"</c>, null (reported) otherwise; chat when no line
    /// parses, so the chat reader reports each. Every other extension: plain text (with a warning when its first line
    /// looks like chat or prompt/completion JSON).
    /// </summary>
    public static DatasetFormat? Detect(string path, IReadOnlyList<SourceLine> lines, List<DatasetProblem> problems)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".jsonl" or ".json"))
        {
            // The extension decides, but a JSON Lines file saved as .txt would train on its braces and keys: said.
            // SourceLine is a struct: with no such line FirstOrDefault gives a default one (no text), not null.
            var first = lines.FirstOrDefault(line => !string.IsNullOrWhiteSpace(line.Text));
            if (first.Text is not null && JsonLine.TryParse(first.Text) is { } parsed
                && (parsed.ContainsKey("messages") || parsed.ContainsKey("prompt") || parsed.ContainsKey("completion")))
                problems.Add(new DatasetProblem(path, first.Number, DatasetProblemKind.LooksLikeJsonLines,
                    $"reads as plain text (its extension is '{extension}'), but its lines look like {(parsed.ContainsKey("messages") ? "chat" : "prompt/completion")} " +
                    "JSON Lines: name it .jsonl, or set the format (data_options.format, --format)"));
            return DatasetFormat.PlainText;
        }
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
