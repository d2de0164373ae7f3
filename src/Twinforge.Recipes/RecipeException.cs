using Twinforge.Engine;

namespace Twinforge.Recipes;

/// <summary>
/// A recipe value given on the command line (or set in code) is unknown, of the wrong type or out of range: bad input.
/// Errors in a recipe file are <see cref="InputFileException"/>s instead, which also name the file and line.
/// </summary>
public sealed class RecipeException : BadInputException
{
    public RecipeException(string keyPath, string problem, Exception? inner = null)
        : base($"'{keyPath}': {problem}", inner)
    {
        KeyPath = keyPath;
        Problem = problem;
    }

    /// <summary>The key at fault, e.g. <c>training.learning_rate</c>.</summary>
    public string KeyPath { get; }

    /// <summary>What is wrong, without the key.</summary>
    public string Problem { get; }
}
