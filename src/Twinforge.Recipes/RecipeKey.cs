namespace Twinforge.Recipes;

/// <summary>One leaf of the recipe schema: its dotted path, its type, and how its value is read from and set in a <see cref="Recipe"/>.</summary>
internal sealed class RecipeKey(string path, IRecipeValueType type, bool isPath, Func<Recipe, object?> get, Func<Recipe, object?, Recipe> set)
{
    /// <summary>A key over a typed value of the recipe.</summary>
    public static RecipeKey Create<T>(string path, RecipeValueType<T> type, bool isPath, Func<Recipe, T> get, Func<Recipe, T, Recipe> set) =>
        new(path, type, isPath, recipe => get(recipe), (recipe, value) => set(recipe, (T)value!));

    /// <summary>E.g. <c>training.learning_rate</c>.</summary>
    public string Path => path;

    /// <summary>The mapping it sits in (<c>training</c>), or null at the top level.</summary>
    public string? Section => Path.Contains('.') ? Path[..Path.LastIndexOf('.')] : null;

    /// <summary>The last segment, e.g. <c>learning_rate</c>.</summary>
    public string Name => Path[(Path.LastIndexOf('.') + 1)..];

    public string Expected => type.Expected;

    public bool IsList => type.IsList;

    /// <summary>The value names files or directories (resolved when read; not part of a twin's recorded settings).</summary>
    public bool IsPath => isPath;

    /// <summary>The recipe with this key set from <paramref name="node"/>; throws <see cref="RecipeValueException"/>.</summary>
    public Recipe Read(Recipe recipe, RecipeNode node, Func<string, string> resolvePath) => set(recipe, type.Read(node, resolvePath));

    /// <summary>This key's value in <paramref name="recipe"/>, as a node to write.</summary>
    public RecipeNode Write(Recipe recipe) => type.Write(get(recipe));

    /// <summary>This key's value in <paramref name="recipe"/>.</summary>
    public object? Get(Recipe recipe) => get(recipe);

    /// <summary>The recipe with this key's value replaced by <paramref name="value"/>.</summary>
    public Recipe Set(Recipe recipe, object? value) => set(recipe, value);
}
