namespace Twinforge.Cli.Recipes;

/// <summary>One leaf of the recipe schema: its dotted path, its type, and where its value lives in <see cref="Recipe"/>.</summary>
internal sealed class RecipeKey
{
    readonly Func<Recipe, RecipeNode, Func<string, string>, Recipe> read;
    readonly Func<Recipe, RecipeNode> write;

    RecipeKey(string path, string expected, bool isList,
        Func<Recipe, RecipeNode, Func<string, string>, Recipe> read, Func<Recipe, RecipeNode> write)
    {
        Path = path;
        Expected = expected;
        IsList = isList;
        this.read = read;
        this.write = write;
    }

    public static RecipeKey Create<T>(string path, RecipeValueType<T> type, Func<Recipe, T> get, Func<Recipe, T, Recipe> set) =>
        new(path, type.Expected, type.IsList,
            (recipe, node, resolvePath) => set(recipe, type.Read(node, resolvePath)),
            recipe => type.Write(get(recipe)));

    /// <summary>E.g. <c>training.learning_rate</c>.</summary>
    public string Path { get; }

    /// <summary>The mapping it sits in (<c>training</c>), or null at the top level.</summary>
    public string? Section => Path.Contains('.') ? Path[..Path.LastIndexOf('.')] : null;

    /// <summary>The last segment, e.g. <c>learning_rate</c>.</summary>
    public string Name => Path[(Path.LastIndexOf('.') + 1)..];

    public string Expected { get; }

    public bool IsList { get; }

    /// <summary>The recipe with this key set from <paramref name="node"/>; throws <see cref="RecipeValueException"/>.</summary>
    public Recipe Read(Recipe recipe, RecipeNode node, Func<string, string> resolvePath) => read(recipe, node, resolvePath);

    /// <summary>This key's value in <paramref name="recipe"/>, as a node to write.</summary>
    public RecipeNode Write(Recipe recipe) => write(recipe);
}
