using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Recipes;
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
                      $"[default: on the built-in base {DescribeBuiltInDefaults(BuiltInModelSize.English)}; " +
                      "on other bases the engine's (src/Twinforge.Recipes/README.md); an update keeps its parent's]",
    }.AcceptOnlyFiles(RecipeLoader.WhatIsExpected, mustExist: true);

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Any recipe key, as key.path=value (e.g. --set training.max_steps=100); repeatable [default: none]", AllowMultipleArgumentsPerToken = false,
    };

    public Option<int?> PlantCanary { get; } = new Option<int?>("--plant-canary")
    {
        Description = "Plant a random canary (a six-digit vault code) this many times among the training conversations, to audit memorisation: " +
                      "the evaluation reports its exposure in bits. The twin learns the code, so use it on audit versions " +
                      "(recorded in the recipe as canary_repeats; 0 stops planting) [default: none, or the parent's]",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Recipe);
        command.Options.Add(Set);
        command.Options.Add(PlantCanary);
    }

    /// <summary>The twin recipe on the built-in base: the demo twin's settings.</summary>
    static Recipe BuiltInDefaults(BuiltInModelSize size) =>
        RecipeMapper.ToRecipe(DemoPlan.For(size).Twin(validationFile: ""), baseModel: null, [], output: null)
            .With(o => o with { Data = o.Data with { ValidationFile = null } });

    /// <summary>
    /// A twin's settings on a built-in base, as a version records them: the demo twin's, with the LoRA targets left to
    /// the base's family and no merged copy saved. The service's jobs on the built-in base start from them too.
    /// </summary>
    public static Engine.Training.FineTuningOptions BuiltInTwinOptions(BuiltInModelSize size)
    {
        var options = BuiltInDefaults(size).Options;
        return options with { Lora = options.Lora is { } lora ? lora with { TargetModules = [] } : null, SaveMergedModel = false };
    }

    /// <summary>The built-in defaults in words, for --help (and so the README can quote them).</summary>
    public static string DescribeBuiltInDefaults(BuiltInModelSize size)
    {
        var options = BuiltInDefaults(size).Options;
        var (lora, data, training) = (options.Lora ?? new(), options.Data, options.Training);
        double byteLevelRate = DemoPlan.For(BuiltInModelSize.Standard).Twin(validationFile: "").Training.LearningRate;
        return FormattableString.Invariant(
            $"LoRA rank {lora.Rank} (alpha {lora.Alpha}), sequence length {data.SequenceLength} tokens with longer examples dropped ") +
            FormattableString.Invariant($"(more than {data.MaxDroppedFraction * 100:0}% of a file dropped is an error), {training.Epochs} epochs of batches of {training.BatchSize}, ") +
            FormattableString.Invariant($"learning rate {training.LearningRate:0.####}") +
            (size.ByteLevel ? "" : FormattableString.Invariant($" ({byteLevelRate:0.####} on the byte-level sizes)")) +
            FormattableString.Invariant($", early stopping after {training.EarlyStoppingPatience} evaluations without improvement, {data.ValidationFraction * 100:0}% of each dataset held out") +
            (training.AutoFullFineTuning ? ", and training.auto (when set) may also choose full fine-tuning" : "");
    }

    public bool Given(ParseResult result) => result.GetValue(Recipe) is not null || result.GetValue(Set) is { Length: > 0 } || result.GetValue(PlantCanary) is not null;

    /// <summary>
    /// The twin recipe the options describe, over the demo twin's settings on the built-in base and
    /// <see cref="TwinRecipe.DefaultOptions"/> on others. LoRA targets left empty mean the base family's defaults.
    /// </summary>
    public TwinRecipe Resolve(ParseResult result, BuiltInModelSize? builtInSize)
    {
        var defaults = new Recipe { Options = builtInSize is { } size ? BuiltInTwinOptions(size) : TwinRecipe.DefaultOptions };
        return Resolve(result, defaults, recorded: null);
    }

    /// <summary>
    /// The recorded recipe of a version with the options applied over it (<c>--recipe</c> first, then each
    /// <c>--set</c>): how a retry changes only what made a version fail.
    /// </summary>
    public TwinRecipe ResolveOver(ParseResult result, TwinRecipe recorded) =>
        Resolve(result, new Recipe { Options = recorded.Options }, recorded with { Options = recorded.Options });

    TwinRecipe Resolve(ParseResult result, Recipe defaults, TwinRecipe? recorded = null)
    {
        var recipe = result.GetValue(Recipe) is FileInfo file ? RecipeLoader.Load(file.FullName, defaults) : defaults;
        recipe = RecipeOverrides.Apply(recipe.With(o => o with { Data = o.Data with { ValidationFile = null }, InitialAdapter = null }), result.GetValue(Set) ?? []);
        if (recipe.Options.Method == Engine.Training.FineTuningMethod.FromScratch)
            throw new RecipeException("method", "a twin is fine-tuned from its base: use lora or full");
        // The twin's own keys are kept from the recorded recipe unless changed here.
        var twinRecipe = (recorded ?? new TwinRecipe()) with
        {
            Options = RecipeMapper.ToFineTuningOptions(recipe),
            CanaryRepeats = result.GetValue(PlantCanary) ?? recorded?.CanaryRepeats ?? 0,
        };
        twinRecipe.Validate();
        return twinRecipe.Recorded();
    }
}
