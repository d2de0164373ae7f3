namespace Twinforge.Engine;

/// <summary>
/// A user-supplied file (config, checkpoint, tokenizer, dataset) is missing, malformed or does not fit what it is
/// used with. The message names the file and, where known, the line and the field or tensor, so a user can act on it.
/// </summary>
public sealed class InputFileException : Exception
{
    public InputFileException(string filePath, string problem, string? item = null, long? line = null, Exception? inner = null,
        long? column = null)
        : base(Describe(filePath, problem, item, line, column), inner)
    {
        FilePath = filePath;
        Problem = problem;
        Item = item;
        Line = line;
        Column = line is null ? null : column;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The field, tensor or key at fault, if one is.</summary>
    public string? Item { get; }

    /// <summary>The 1-based line at fault, for line-oriented files.</summary>
    public long? Line { get; }

    /// <summary>The 1-based column at fault (in characters), where the reader of the file knows it.</summary>
    public long? Column { get; }

    static string Describe(string filePath, string problem, string? item, long? line, long? column)
    {
        var location = filePath;
        if (line is not null) location += column is null ? $":{line}" : $":{line}:{column}";
        return item is null ? $"{location}: {problem}" : $"{location}: '{item}': {problem}";
    }
}
