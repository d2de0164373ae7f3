namespace Twinforge.Recipes;

/// <summary>
/// Command-line changes to a recipe, each <c>key.path=value</c>, checked like the file's own values. A list is given
/// comma-separated (<c>lora.target_modules=q_proj,v_proj</c>), null as <c>null</c>, and relative paths are resolved
/// against the current directory. The CLI's typed options (<c>--epochs</c>, <c>--lr</c>) go through <see cref="Set"/> too.
/// </summary>
/// <example><code>recipe = RecipeOverrides.Apply(recipe, ["training.learning_rate=1e-3", "method=full"]);</code></example>
public static class RecipeOverrides
{
    /// <summary>Every key path a recipe may set, in the order a written recipe lists them.</summary>
    public static IReadOnlyList<string> KnownKeys { get; } = RecipeKeys.All.Select(key => key.Path).ToList();

    /// <summary>Applies <paramref name="assignments"/> in order, then checks ranges; throws <see cref="RecipeException"/>.</summary>
    public static Recipe Apply(Recipe recipe, IReadOnlyList<string> assignments)
    {
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new RecipeException(assignment, "expected key.path=value, e.g. training.learning_rate=1e-3");
            recipe = Set(recipe, assignment[..equals].Trim(), assignment[(equals + 1)..]);
        }
        RecipeValidator.Validate(recipe);
        return recipe;
    }

    /// <summary>
    /// The recipe with <paramref name="keyPath"/> set from its command-line text; throws <see cref="RecipeException"/>
    /// for an unknown key or a value of the wrong type. Ranges are checked by <see cref="RecipeValidator.Validate"/>
    /// (which <see cref="Apply"/> and <see cref="RecipeMapper"/> call), so that settings may pass through a combination
    /// that is invalid only half-way.
    /// </summary>
    /// <example><code>recipe = RecipeOverrides.Set(recipe, "training.epochs", epochsOption.ToString());</code></example>
    public static Recipe Set(Recipe recipe, string keyPath, string value)
    {
        var key = RecipeKeys.Find(keyPath) ?? throw new RecipeException(keyPath, RecipeKeys.DescribeUnknown(keyPath));
        var node = key.IsList ? ListNode(value) : new RecipeScalar(value.Trim(), IsQuoted: false);
        try
        {
            return key.Read(recipe, node, Path.GetFullPath);
        }
        catch (RecipeValueException e)
        {
            throw new RecipeException(keyPath, e.Problem, e);
        }
    }

    /// <summary>"a,b" or "[a, b]" as a list; "" or "[]" as the empty list.</summary>
    static RecipeNode ListNode(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.StartsWith('[') && trimmed.EndsWith(']')) trimmed = trimmed[1..^1];
        var items = trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new RecipeSequence(items.Select(item => new RecipeScalar(item, IsQuoted: false)).ToList());
    }
}
