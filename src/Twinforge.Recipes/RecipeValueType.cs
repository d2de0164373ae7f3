namespace Twinforge.Recipes;

/// <summary>The type of one recipe value, whatever its .NET type: what the schema holds for each key.</summary>
internal interface IRecipeValueType
{
    /// <summary>In words, e.g. "an integer" or "one of lora, full, from_scratch".</summary>
    string Expected { get; }

    /// <summary>A command-line value for it is a comma-separated list.</summary>
    bool IsList { get; }

    /// <summary>Reads <paramref name="node"/>, resolving relative paths with <paramref name="resolvePath"/>; throws <see cref="RecipeValueException"/>.</summary>
    object? Read(RecipeNode node, Func<string, string> resolvePath);

    RecipeNode Write(object? value);
}

/// <summary>
/// The type of one recipe value as the file sees it: what is expected (for messages), how a parsed node is read into
/// a <typeparamref name="T"/> and how a value is written back as a node. Instances are in <see cref="RecipeValueTypes"/>.
/// </summary>
internal sealed class RecipeValueType<T>(
    string expected,
    bool isList,
    Func<RecipeNode, Func<string, string>, T> read,
    Func<T, RecipeNode> write) : IRecipeValueType
{
    public string Expected => expected;

    public bool IsList => isList;

    public T Read(RecipeNode node, Func<string, string> resolvePath) => read(node, resolvePath);

    public RecipeNode Write(T value) => write(value);

    object? IRecipeValueType.Read(RecipeNode node, Func<string, string> resolvePath) => read(node, resolvePath);

    RecipeNode IRecipeValueType.Write(object? value) => write((T)value!);
}
