using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// Checks a recipe's values are in range, by the engine's own rules where it exposes them (TrainingOptions.Validate,
/// LoraConfig.Validate), and names the recipe key at fault rather than the engine's property.
/// </summary>
public static class RecipeValidator
{
    static readonly Dictionary<string, string> TrainingKeys = new()
    {
        [nameof(TrainingOptions.Epochs)] = "training.epochs",
        [nameof(TrainingOptions.MaxSteps)] = "training.max_steps",
        [nameof(TrainingOptions.BatchSize)] = "training.batch_size",
        [nameof(TrainingOptions.GradientAccumulationSteps)] = "training.gradient_accumulation_steps",
        [nameof(TrainingOptions.LearningRate)] = "training.learning_rate",
        [nameof(TrainingOptions.WarmupSteps)] = "training.warmup_steps",
        [nameof(TrainingOptions.MinimumLearningRateRatio)] = "training.min_learning_rate_ratio",
        [nameof(TrainingOptions.WeightDecay)] = "training.weight_decay",
        [nameof(TrainingOptions.AdamBeta1)] = "training.adam_beta1",
        [nameof(TrainingOptions.AdamBeta2)] = "training.adam_beta2",
        [nameof(TrainingOptions.AdamEpsilon)] = "training.adam_epsilon",
        [nameof(TrainingOptions.MaxGradientNorm)] = "training.max_gradient_norm",
        [nameof(TrainingOptions.MaxConsecutiveNonFiniteSteps)] = "training.max_consecutive_non_finite_steps",
        [nameof(TrainingOptions.Dropout)] = "regularization.dropout",
        [nameof(TrainingOptions.L2SpStrength)] = "regularization.l2_sp",
        [nameof(TrainingOptions.EvaluateEverySteps)] = "early_stopping.evaluate_every_steps",
        [nameof(TrainingOptions.EarlyStoppingPatience)] = "early_stopping.patience",
        [nameof(TrainingOptions.EarlyStoppingMinimumImprovement)] = "early_stopping.min_improvement",
        [nameof(TrainingOptions.CheckpointEverySteps)] = "checkpoints.every_steps",
        [nameof(TrainingOptions.KeepLastCheckpoints)] = "checkpoints.keep_last",
    };

    static readonly Dictionary<string, string> LoraKeys = new()
    {
        [nameof(LoraConfig.Rank)] = "lora.rank",
        [nameof(LoraConfig.Alpha)] = "lora.alpha",
        [nameof(LoraConfig.Dropout)] = "lora.dropout",
        [nameof(LoraConfig.TargetModules)] = "lora.target_modules",
        [nameof(LoraConfig.TargetPattern)] = "lora.target_pattern",
    };

    /// <summary>Throws <see cref="RecipeException"/> naming the first key out of range.</summary>
    public static void Validate(Recipe recipe)
    {
        if (FindProblems(recipe) is [var first, ..]) throw first;
    }

    /// <summary>Every key out of range (a recipe's author fixes them all in one go); empty when all are valid.</summary>
    public static IReadOnlyList<RecipeException> FindProblems(Recipe recipe)
    {
        var problems = new List<RecipeException>();
        void Require(bool condition, string keyPath, object? value, string rule)
        {
            if (!condition) problems.Add(new RecipeException(keyPath, $"{rule}, got {Format(value)}"));
        }

        problems.AddRange(WithRecipeKeys(RecipeMapper.ToTrainingOptions(recipe).FindProblems(), TrainingKeys, "training"));
        problems.AddRange(WithRecipeKeys(LoraToValidate(recipe.Lora).FindProblems(), LoraKeys, "lora"));
        if (recipe.InitialAdapter is not null)
        {
            Require(recipe.Method == FineTuningMethod.Lora, "method", recipe.Method, "must be lora to continue from an initial_adapter");
            if (recipe.Lora != new RecipeLora())
                problems.Add(new RecipeException("lora", "the LoRA shape comes from the initial_adapter's own config: leave the lora section out"));
        }
        Require(recipe.Freeze.Layers >= 0, "freeze.layers", recipe.Freeze.Layers, "must not be negative");

        // The engine checks data options in TrainingDataOptions.Check, which is internal to it; its rules are repeated
        // here so that a bad recipe fails when it is read rather than after the base model has loaded.
        var data = recipe.DataOptions;
        Require(data.SequenceLength >= 2, "data_options.sequence_length", data.SequenceLength, "must be at least 2 tokens");
        Require(data.ValidationFraction is >= 0 and < 1, "data_options.validation_fraction", data.ValidationFraction, "must be in [0, 1)");
        Require(data.PlainTextSeparator is null || data.PlainTextSeparator.Trim().Length > 0, "data_options.plain_text_separator",
            data.PlainTextSeparator, "must be visible text such as \"%\"; null means blank lines");
        // ReplayMixer's rule.
        Require(recipe.Regularization.ReplayFraction is >= 0 and < 1, "regularization.replay_fraction",
            recipe.Regularization.ReplayFraction, "must be in [0, 1)");
        return problems;
    }

    /// <summary>
    /// The LoRA settings as the engine will check them. No targets means the family's defaults, which are only known
    /// once the base model is, so a stand-in target lets the other settings be checked now.
    /// </summary>
    static LoraConfig LoraToValidate(RecipeLora lora)
    {
        var config = RecipeMapper.ToLoraConfig(lora, targetModules: lora.TargetModules);
        return lora.TargetModules.Count == 0 && lora.TargetPattern is null ? config with { TargetModules = ["q_proj"] } : config;
    }

    /// <summary>The engine's problems, each named by its recipe key (or by the section, for a property not mapped).</summary>
    static IEnumerable<RecipeException> WithRecipeKeys(IReadOnlyList<ArgumentException> problems, Dictionary<string, string> keys, string section) =>
        problems.Select(e => new RecipeException(
            e.ParamName is { } name && keys.TryGetValue(name, out var path) ? path : section, EngineProblem(e), e));

    /// <summary>
    /// The engine's message without what ArgumentException appends (" (Parameter 'X')", "Actual value was …") or the
    /// property name it starts with ("BatchSize must be …"), plus the value found.
    /// </summary>
    static string EngineProblem(ArgumentException e)
    {
        var problem = e.Message.Split('\n')[0];
        if (e.ParamName is { } name)
        {
            problem = problem.Replace($" (Parameter '{name}')", "");
            if (problem.StartsWith(name + " ", StringComparison.Ordinal)) problem = problem[(name.Length + 1)..];
        }
        return e is ArgumentOutOfRangeException { ActualValue: { } value } ? $"{problem}, got {Format(value)}" : problem;
    }

    static string Format(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
