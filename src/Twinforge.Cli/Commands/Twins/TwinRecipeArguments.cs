using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Recipes;
using Twinforge.Engine.Models;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// How a twin's versions train, as a recipe: <c>--recipe</c> and <c>--set</c>. Only training keys matter here (base,
/// data and output come from the registry); <c>data_options.validation_fraction</c> is the share of each new
/// dataset held out and <c>regularization.replay_fraction</c> the share of each batch replayed from older data.
/// </summary>
public sealed class TwinRecipeArguments
{
    public Option<FileInfo> Recipe { get; } = new Option<FileInfo>("--recipe")
    {
        Description = "A recipe file with the training settings (base, data, validation and output keys are not used) " +
                      $"[default: on the built-in base {DescribeBuiltInDefaults(BuiltInModelSize.Standard)}; " +
                      "on other bases the engine's (src/Twinforge.Cli/Recipes/README.md); an update keeps its parent's]",
    }.AcceptOnlyFiles(RecipeLoader.WhatIsExpected, mustExist: true);

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Any recipe key, as key.path=value (e.g. --set training.max_steps=100); repeatable [default: none]", AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Recipe);
        command.Options.Add(Set);
    }

    /// <summary>The twin recipe on the built-in base: the demo twin's settings.</summary>
    static Recipe BuiltInDefaults(BuiltInModelSize size) =>
        RecipeMapper.ToRecipe(DemoPlan.For(size).Twin(validationFile: ""), baseModel: null, [], output: null) with { Validation = null };

    /// <summary>The built-in defaults in words, for --help (and so the README can quote them).</summary>
    public static string DescribeBuiltInDefaults(BuiltInModelSize size)
    {
        var recipe = BuiltInDefaults(size);
        var (lora, data, training) = (recipe.Lora, recipe.DataOptions, recipe.Training);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"LoRA rank {lora.Rank} (alpha {lora.Alpha}), sequence length {data.SequenceLength} tokens with longer examples dropped " +
            $"(more than {data.MaxDroppedFraction * 100:0}% of a file dropped is an error), {training.Epochs} epochs of batches of {training.BatchSize}, " +
            $"learning rate {training.LearningRate:0.####}, early stopping after {recipe.EarlyStopping.Patience} evaluations without improvement, " +
            $"{data.ValidationFraction * 100:0}% of each dataset held out");
    }

    public bool Given(ParseResult result) => result.GetValue(Recipe) is not null || result.GetValue(Set) is { Length: > 0 };

    /// <summary>The twin recipe the options describe, over the defaults for a base of <paramref name="family"/>.</summary>
    public TwinRecipe Resolve(ParseResult result, BuiltInModelSize? builtInSize, ModelFamily family)
    {
        var defaults = builtInSize is { } size ? BuiltInDefaults(size) : new Recipe();
        defaults = defaults with { Lora = defaults.Lora with { TargetModules = [] }, SaveMergedModel = false };
        return Resolve(result, defaults, family);
    }

    /// <summary>
    /// The recorded recipe of a version with the options applied over it (<c>--recipe</c> first, then each
    /// <c>--set</c>): how a retry changes only what made a version fail.
    /// </summary>
    public TwinRecipe ResolveOver(ParseResult result, TwinRecipe recorded, ModelFamily family)
    {
        var defaults = RecipeMapper.ToRecipe(recorded.Options, baseModel: null, [], output: null);
        defaults = defaults with
        {
            DataOptions = defaults.DataOptions with { ValidationFraction = recorded.NewDataHeldOutFraction },
            Regularization = defaults.Regularization with { ReplayFraction = recorded.ReplayFraction },
        };
        return Resolve(result, defaults, family);
    }

    TwinRecipe Resolve(ParseResult result, Recipe defaults, ModelFamily family)
    {
        var recipe = result.GetValue(Recipe) is FileInfo file ? RecipeLoader.Load(file.FullName, defaults) : defaults;
        recipe = RecipeOverrides.Apply(recipe with { Validation = null, InitialAdapter = null }, result.GetValue(Set) ?? []);
        var twinRecipe = new TwinRecipe
        {
            Options = RecipeMapper.ToFineTuningOptions(recipe, family),
            NewDataHeldOutFraction = recipe.DataOptions.ValidationFraction,
            ReplayFraction = recipe.Regularization.ReplayFraction,
        };
        if (recipe.Method == Engine.Training.FineTuningMethod.FromScratch)
            throw new RecipeException("method", "a twin is fine-tuned from its base: use lora or full");
        twinRecipe.Validate();
        return twinRecipe.Recorded();
    }
}
