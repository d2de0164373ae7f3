namespace Twinforge.Recipes;

// A parsed recipe document, the same for YAML and JSON: scalars keep their text and whether they were quoted (a
// quoted "3" is a string, a plain 3 a number), and every node keeps its 1-based line for messages. Null when the
// node did not come from a file (a command-line override, or a recipe being written).

internal abstract record RecipeNode(int? Line);

internal sealed record RecipeScalar(string Text, bool IsQuoted, int? Line = null) : RecipeNode(Line)
{
    public static RecipeScalar Null { get; } = new("null", IsQuoted: false);

    /// <summary>YAML's null: an empty value, <c>~</c> or <c>null</c>, unquoted.</summary>
    public bool IsNull => !IsQuoted && Text is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record RecipeSequence(IReadOnlyList<RecipeNode> Items, int? Line = null) : RecipeNode(Line);

internal sealed record RecipeMapping(IReadOnlyList<RecipeMappingEntry> Entries, int? Line = null) : RecipeNode(Line);

internal sealed record RecipeMappingEntry(string Key, int? KeyLine, RecipeNode Value);
