namespace Twinforge.Engine.Data;

/// <summary>One problem found in the training data, located so a user can fix it.</summary>
/// <param name="FilePath">The file at fault.</param>
/// <param name="Line">The 1-based line (the first line of a plain-text document), or null for a whole-file problem.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Reason">What was expected and what was found, or what was done with the example.</param>
/// <param name="Field">The JSON field at fault, e.g. <c>messages[2].role</c>, if one is.</param>
public sealed record DatasetProblem(string FilePath, long? Line, DatasetProblemKind Kind, string Reason, string? Field = null)
{
    /// <summary>
    /// Over-long and untrainable examples are warnings (the report says what happened to them), and so are held-out
    /// examples also found in the training data (when not all of them are) and control characters other than NUL (they can belong to real text: see <see cref="ControlCharacters"/>); the rest are errors.
    /// </summary>
    public DatasetProblemSeverity Severity => Kind is DatasetProblemKind.TooLong or DatasetProblemKind.NoTrainableTokens or DatasetProblemKind.ControlCharacter
        or DatasetProblemKind.HeldOutOverlapsTraining or DatasetProblemKind.LooksLikeJsonLines
        ? DatasetProblemSeverity.Warning
        : DatasetProblemSeverity.Error;

    public bool IsError => Severity == DatasetProblemSeverity.Error;

    /// <summary><c>path:line: 'field': reason</c>, the way <see cref="InputFileException"/> words it.</summary>
    public override string ToString()
    {
        var location = Line is null ? FilePath : $"{FilePath}:{Line}";
        var prefix = IsError ? "" : "warning: ";
        return Field is null ? $"{location}: {prefix}{Reason}" : $"{location}: {prefix}'{Field}': {Reason}";
    }
}
