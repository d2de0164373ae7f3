using System.Text;
using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes;

/// <summary>
/// Recipe settings without files, for a front door that must never take a path from its caller (the service's
/// fine-tuning jobs): a JSON object of recipe keys, or <c>key.path=value</c> assignments, read as strictly as a recipe
/// file (an unknown key with the nearest known one, a key given twice, a wrong type, a value out of range: each an error
/// naming the key), and every key that names a file or directory (<c>base</c>, <c>data</c>, <c>output</c>,
/// <c>validation</c>, <c>initial_adapter</c>, <c>regularization.replay_file</c>) refused, whatever its value.
/// </summary>
/// <example><code>
/// var options = RecipeSettings.ReadJson("twinforge.recipe", """{"lora":{"rank":4},"training":{"max_steps":20}}""", TwinRecipe.DefaultOptions);
/// options = RecipeSettings.Apply(options, ["early_stopping.patience=5"]);
/// </code></example>
public static class RecipeSettings
{
    /// <summary>The keys that name files or directories, which settings without files refuse.</summary>
    public static IReadOnlyList<string> FileKeys { get; } = RecipeKeys.All.Where(key => key.IsPath).Select(key => key.Path).ToList();

    /// <summary>
    /// Reads <paramref name="json"/>, an object of recipe keys (sections as nested objects, as in a JSON recipe), over
    /// <paramref name="defaults"/>. Throws <see cref="InputFileException"/> listing every problem, each with its key
    /// (<see cref="InputFileException.Item"/>) and line; <paramref name="sourceName"/> names the text in messages.
    /// </summary>
    public static FineTuningOptions ReadJson(string sourceName, string json, FineTuningOptions defaults)
    {
        var root = RecipeTextParser.Parse(sourceName, Encoding.UTF8.GetBytes(json));
        if (root is RecipeMapping mapping)
        {
            var refused = FileKeysIn(mapping).Select(found =>
                new InputFileException(sourceName, FileKeyProblem, found.Path, found.Line)).ToList();
            if (refused.Count > 0) throw InputFileException.Combine(refused);
        }
        return RecipeLoader.Read(sourceName, root,
            value => throw new RecipeValueException(FileKeyProblem, line: null), new Recipe { Options = defaults }).Options;
    }

    /// <summary>
    /// <paramref name="options"/> with each <c>key.path=value</c> applied in order (as the command line's
    /// <c>--set</c>), then checked for range. Throws <see cref="RecipeException"/> naming the key.
    /// </summary>
    public static FineTuningOptions Apply(FineTuningOptions options, IReadOnlyList<string> assignments)
    {
        var recipe = new Recipe { Options = options };
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0) throw new RecipeException(assignment, "expected key.path=value, e.g. training.learning_rate=1e-3");
            var keyPath = assignment[..equals].Trim();
            if (RecipeKeys.Find(keyPath) is { IsPath: true }) throw new RecipeException(keyPath, FileKeyProblem);
            recipe = RecipeOverrides.Set(recipe, keyPath, assignment[(equals + 1)..]);
        }
        RecipeValidator.Validate(recipe);
        return recipe.Options;
    }

    const string FileKeyProblem = "names a file or directory, which is not taken here: data and models are given by their ids";

    /// <summary>The file keys set in a mapping of top-level keys and sections, with their lines.</summary>
    static IEnumerable<(string Path, int? Line)> FileKeysIn(RecipeMapping mapping)
    {
        foreach (var entry in mapping.Entries)
        {
            if (RecipeKeys.Find(entry.Key) is { IsPath: true }) yield return (entry.Key, entry.KeyLine);
            else if (RecipeKeys.IsSection(entry.Key) && entry.Value is RecipeMapping section)
                foreach (var inner in section.Entries)
                    if (RecipeKeys.Find($"{entry.Key}.{inner.Key}") is { IsPath: true }) yield return ($"{entry.Key}.{inner.Key}", inner.KeyLine);
        }
    }
}
