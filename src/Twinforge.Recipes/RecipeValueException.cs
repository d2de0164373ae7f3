namespace Twinforge.Recipes;

/// <summary>
/// A value does not have its key's type. Raised while reading a node, where the key path and the file are not known;
/// the loader and the overrides turn it into their own errors.
/// </summary>
internal sealed class RecipeValueException(string problem, int? line) : Exception(problem)
{
    public string Problem { get; } = problem;
    public int? Line { get; } = line;
}
