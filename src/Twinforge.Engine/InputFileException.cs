namespace Twinforge.Engine;

/// <summary>
/// A user-supplied file (config, checkpoint, tokenizer, dataset) is missing, malformed or does not fit what it is
/// used with. The message names the file and, where known, the line and the field or tensor, so a user can act on it.
/// A file with several errors (a recipe) is reported by one exception that lists them all: see <see cref="Combine"/>.
/// </summary>
public sealed class InputFileException : BadInputException
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
        Errors = [this];
    }

    InputFileException(IReadOnlyList<InputFileException> errors)
        : base(string.Join('\n', errors.Select(error => error.Message)), errors[0].InnerException)
    {
        var first = errors[0];
        (FilePath, Problem, Item, Line, Column) = (first.FilePath, first.Problem, first.Item, first.Line, first.Column);
        Errors = errors;
    }

    /// <summary>
    /// One exception for every error found in a file, so that a user fixes them all in one go: its message has a line
    /// per error, its own properties are the first error's, and <see cref="Errors"/> holds each.
    /// </summary>
    /// <example><code>if (errors.Count > 0) throw InputFileException.Combine(errors);</code></example>
    public static InputFileException Combine(IReadOnlyList<InputFileException> errors)
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        return errors.Count == 1 ? errors[0] : new InputFileException([.. errors.SelectMany(error => error.Errors)]);
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

    /// <summary>Every error this exception reports, in the order found; just itself for a single error.</summary>
    public IReadOnlyList<InputFileException> Errors { get; }

    static string Describe(string filePath, string problem, string? item, long? line, long? column)
    {
        var location = filePath;
        if (line is not null) location += column is null ? $":{line}" : $":{line}:{column}";
        return item is null ? $"{location}: {problem}" : $"{location}: '{item}': {problem}";
    }
}
