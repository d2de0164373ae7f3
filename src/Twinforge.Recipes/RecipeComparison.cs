namespace Twinforge.Recipes;

/// <summary>How two recipes differ, key by key, in the recipe's own spelling of each value.</summary>
/// <example><code>foreach (var (path, then, now) in RecipeComparison.Differences(started, recipe)) …</code></example>
public static class RecipeComparison
{
    /// <summary>Every key whose value differs, in the order a written recipe lists them.</summary>
    public static IReadOnlyList<(string Path, string Then, string Now)> Differences(Recipe then, Recipe now) => RecipeKeys.All
        .Select(key => (key.Path, Then: RecipeNodeText.Of(key.Write(then)), Now: RecipeNodeText.Of(key.Write(now))))
        .Where(key => key.Then != key.Now)
        .ToList();
}
