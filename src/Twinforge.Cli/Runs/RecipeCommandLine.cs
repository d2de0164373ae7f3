using Twinforge.Engine;
using System.CommandLine;
using Twinforge.Cli.Commands;
using Twinforge.Recipes;

namespace Twinforge.Cli.Runs;

/// <summary>
/// The options of a command whose run is described by a recipe (<c>finetune</c>, <c>pretrain</c>): <c>--recipe</c>,
/// typed options for the keys users change most, <c>--data</c>, <c>--set key=value</c> for any other key, and
/// <c>--resume</c>/<c>--force</c>. Builds the effective recipe in one order everywhere: the recipe file (or the
/// command's defaults), then typed options, then <c>--set</c>.
/// </summary>
public sealed class RecipeCommandLine
{
    readonly List<(Option<string> Option, string Key)> typed = [];

    public Option<FileInfo> Recipe { get; } = new Option<FileInfo>("--recipe")
    {
        Description = "A recipe file (.yaml, .yml or .json) describing the run; the options below override it [default: none]",
    }.AcceptOnlyFiles(RecipeLoader.WhatIsExpected, mustExist: true);

    public Option<string[]> Data { get; } = new Option<string[]>("--data")
    {
        Description = "Training files [recipe key: data]", AllowMultipleArgumentsPerToken = true,
    }.AcceptOnlyFiles("a data file", mustExist: true);

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Any recipe key, as key.path=value (e.g. --set early_stopping.patience=5); repeatable [default: none]", AllowMultipleArgumentsPerToken = false,
    };

    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue the run in the output directory from its last checkpoint [default: off]" };

    public Option<bool> Force { get; } = new("--force") { Description = "Replace the run the output directory holds (only a Twinforge run is ever deleted) [default: off]" };

    /// <param name="dataDescription">What <c>--data</c> takes.</param>
    /// <param name="dataDefault">What the command uses when neither <c>--data</c> nor the recipe gives data.</param>
    public RecipeCommandLine(string dataDescription, string dataDefault = "none") =>
        Data.Description = $"{dataDescription} [default: {dataDefault}] [recipe key: data]";

    /// <summary>A typed option that sets <paramref name="key"/>; its text is checked like the recipe's own value.</summary>
    public Option<string> Typed(string name, string key, string description)
    {
        var option = new Option<string>(name) { Description = $"{description} [recipe key: {key}]" };
        typed.Add((option, key));
        return option;
    }

    /// <summary>Every option, in the order <c>--help</c> lists them.</summary>
    public IEnumerable<Option> Options => new Option[] { Recipe, Data }.Concat(typed.Select(t => t.Option)).Concat([Set, Resume, Force]);

    /// <summary>
    /// The effective recipe of <paramref name="result"/>; <paramref name="defaults"/> are the command's own: what a key
    /// means when neither the recipe file nor an option sets it. <paramref name="beforeSet"/> is a command's own
    /// adjustment after the typed options, which <c>--set</c> may still override.
    /// </summary>
    public Recipe Effective(ParseResult result, Recipe defaults, Func<Recipe, Recipe>? beforeSet = null)
    {
        var effective = result.GetValue(Recipe) is FileInfo file ? RecipeLoader.Load(file.FullName, defaults) : defaults;
        foreach (var (option, key) in typed)
        {
            if (result.GetResult(option) is { Implicit: false } given && given.Tokens.Count > 0)
                effective = RecipeOverrides.Set(effective, key, given.Tokens[0].Value);
        }
        // Set as a list, not as "a,b" text: a file name may hold a comma. Relative to the current directory, as typed.
        if (result.GetValue(Data) is { Length: > 0 } files) effective = effective with { Data = new EquatableList<string>(files.Select(Path.GetFullPath)) };
        if (beforeSet is not null) effective = beforeSet(effective);
        return RecipeOverrides.Apply(effective, result.GetValue(Set) ?? []);
    }

    public bool ResumeRequested(ParseResult result) => result.GetValue(Resume);

    public bool ForceRequested(ParseResult result) => result.GetValue(Force);
}
