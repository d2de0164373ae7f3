using Twinforge.Engine.Training;

namespace Twinforge.Recipes;

/// <summary>
/// Reads a recipe file (.yaml, .yml or .json) strictly: an unknown key, a value of the wrong type or out of range is
/// an <see cref="InputFileException"/> naming the file, the line and the key path, and every such error in the file is
/// reported at once (<see cref="InputFileException.Errors"/>), in line order. Relative paths in the recipe are
/// resolved against the recipe's own directory, so a recipe works from wherever it is run.
/// </summary>
/// <example><code>var recipe = RecipeLoader.Load("recipes/alice.yaml");</code></example>
public static class RecipeLoader
{
    /// <summary>What a recipe file is, for messages: "a recipe file (.yaml, .yml or .json)".</summary>
    public const string WhatIsExpected = "a recipe file (.yaml, .yml or .json)";

    public static Recipe Load(string path) => Load(path, new Recipe());

    /// <summary>Reads a recipe whose absent keys keep the values of <paramref name="defaults"/> (a command's own defaults).</summary>
    public static Recipe Load(string path, Recipe defaults)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath)) throw new InputFileException(path, $"is a directory, not {WhatIsExpected}");
        if (!File.Exists(fullPath)) throw new InputFileException(path, "the recipe file does not exist");
        var root = Path.GetExtension(fullPath).ToLowerInvariant() switch
        {
            ".yaml" or ".yml" => RecipeYamlParser.Parse(path, File.ReadAllText(fullPath)),
            ".json" => RecipeTextParser.Parse(path, File.ReadAllBytes(fullPath)),
            _ => throw new InputFileException(path, "a recipe must be a .yaml, .yml or .json file"),
        };
        var recipeDirectory = Path.GetDirectoryName(fullPath)!;
        return Read(path, root, value => Path.GetFullPath(value, recipeDirectory), defaults);
    }

    /// <summary>
    /// Reads settings written by <see cref="RecipeWriter.SettingsToYaml"/> (a twin's recorded recipe) over
    /// <paramref name="defaults"/>, as strictly as a file: <paramref name="sourceName"/> names the text in errors. Keys
    /// that name files are refused: recorded settings have none.
    /// </summary>
    public static FineTuningOptions ParseSettings(string sourceName, string yaml, FineTuningOptions defaults)
    {
        var recipe = Read(sourceName, RecipeYamlParser.Parse(sourceName, yaml),
            value => throw new RecipeValueException($"settings recorded without files cannot name one (\"{value}\")", line: null),
            new Recipe { Options = defaults });
        return recipe.Options;
    }

    internal static Recipe Read(string path, RecipeNode root, Func<string, string> ResolvePath, Recipe defaults)
    {
        var lines = new Dictionary<string, int?>();
        var errors = new List<InputFileException>();
        var recipe = root switch
        {
            RecipeScalar { IsNull: true } => defaults,
            RecipeMapping mapping => ReadMapping(path, mapping, section: null, defaults, ResolvePath, lines, errors),
            _ => throw new InputFileException(path, "expected a mapping of recipe keys such as base, data and training", line: root.Line),
        };
        // A key that could not be read keeps its default, so range checks do not report it a second time.
        foreach (var problem in RecipeValidator.FindProblems(recipe))
            errors.Add(new InputFileException(path, problem.Problem, problem.KeyPath, lines.GetValueOrDefault(problem.KeyPath), problem));
        if (errors.Count > 0) throw InputFileException.Combine([.. errors.OrderBy(error => error.Line ?? long.MaxValue)]);
        return recipe;
    }

    const string TrainingSection = "training", AutoTraining = "auto";

    /// <summary>
    /// Sets every key of <paramref name="mapping"/> (the top level or one section) and records its line; a key that
    /// is unknown, repeated or of the wrong type is added to <paramref name="errors"/> and left unset.
    /// </summary>
    static Recipe ReadMapping(string filePath, RecipeMapping mapping, string? section, Recipe recipe,
        Func<string, string> resolvePath, Dictionary<string, int?> lines, List<InputFileException> errors)
    {
        foreach (var (name, keyLine, value) in mapping.Entries)
        {
            var keyPath = section is null ? name : $"{section}.{name}";
            if (!lines.TryAdd(keyPath, value.Line ?? keyLine))
            {
                errors.Add(new InputFileException(filePath, "the key is given twice", keyPath, keyLine));
                continue;
            }

            if (RecipeKeys.Find(keyPath) is { } key)
            {
                try
                {
                    recipe = key.Read(recipe, value, resolvePath);
                }
                catch (RecipeValueException e)
                {
                    errors.Add(new InputFileException(filePath, e.Problem, keyPath, e.Line ?? keyLine, e));
                }
            }
            else if (section is null && RecipeKeys.IsSection(keyPath))
            {
                if (value is RecipeMapping sectionMapping)
                    recipe = ReadMapping(filePath, sectionMapping, keyPath, recipe, resolvePath, lines, errors);
                // "training: auto": the training settings are searched for (training.auto), the rest at their defaults.
                else if (keyPath == TrainingSection && value is RecipeScalar { IsNull: false } scalar && scalar.Text.Trim() == AutoTraining)
                    recipe = recipe.With(o => o with { Training = o.Training with { Auto = true } });
                else if (value is not RecipeScalar { IsNull: true }) // "lora:" with nothing under it: all defaults
                    errors.Add(new InputFileException(filePath, $"expected a mapping of {keyPath} settings", keyPath, value.Line ?? keyLine));
            }
            else
            {
                errors.Add(new InputFileException(filePath, RecipeKeys.DescribeUnknown(keyPath), keyPath, keyLine));
            }
        }
        return recipe;
    }
}
