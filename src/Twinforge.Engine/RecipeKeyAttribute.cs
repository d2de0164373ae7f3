namespace Twinforge.Engine;

/// <summary>
/// The key of an engine option in a recipe (<c>training.learning_rate</c>): recipe files, the effective recipe.yaml of
/// a run, the recipe a twin's versions record and the service's settings all read and write the option under it. The
/// recipe schema (Twinforge.Recipes) is built from these attributes on <c>FineTuningOptions</c> and the records it
/// holds, so an option is declared once, where the engine defines it; a property with neither this attribute nor
/// <see cref="NotInRecipesAttribute"/> makes the schema fail to build, so none is forgotten.
/// </summary>
/// <example><code>[RecipeKey("training.epochs")] public int Epochs { get; init; } = 3;</code></example>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RecipeKeyAttribute(string path) : Attribute
{
    /// <summary>The dotted key path: a top-level key (<c>method</c>) or <c>section.key</c>.</summary>
    public string Path => path;

    /// <summary>
    /// The value names a file or directory: relative paths are resolved against the recipe's directory, and a twin's
    /// recorded recipe leaves it out (its files are the registry's datasets and adapters, unpacked per run).
    /// </summary>
    public bool IsPath { get; init; }
}

/// <summary>A property of an engine option record that is deliberately not a recipe key (set by code, per run).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotInRecipesAttribute : Attribute;
