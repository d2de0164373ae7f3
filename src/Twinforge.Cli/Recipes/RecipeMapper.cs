using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// Turns a recipe into what the engine runs: <see cref="FineTuningOptions"/>, plus the base model, data files,
/// validation file and run directory. Checks ranges first (<see cref="RecipeValidator"/>), so an out-of-range value is
/// reported by its recipe key; a missing base, data or output is reported the same way.
/// </summary>
/// <example><code>
/// var options = RecipeMapper.ToFineTuningOptions(recipe);
/// FineTuning.Run(RecipeMapper.BaseModel(recipe), RecipeMapper.DataFiles(recipe), RecipeMapper.OutputDirectory(recipe), options, …);
/// </code></example>
public static class RecipeMapper
{
    /// <param name="recipe">The recipe, validated here.</param>
    /// <param name="family">
    /// The base model's family, needed only when LoRA settings differ from the defaults but name no targets: the
    /// family's default targets are then filled in. Without them the engine chooses the targets (and rank 8, alpha 16).
    /// </param>
    public static FineTuningOptions ToFineTuningOptions(Recipe recipe, ModelFamily? family = null)
    {
        RecipeValidator.Validate(recipe);
        return new FineTuningOptions
        {
            Method = recipe.Method,
            Lora = recipe.Method == FineTuningMethod.Lora && recipe.InitialAdapter is null ? ToLoraConfig(recipe.Lora, family) : null,
            InitialAdapter = recipe.InitialAdapter,
            FreezeEmbeddings = recipe.Freeze.Embeddings,
            FrozenLayers = recipe.Freeze.Layers,
            Training = ToTrainingOptions(recipe),
            Data = ToDataOptions(recipe),
            ReplayFile = recipe.Regularization.ReplayFile,
            ReplayFraction = recipe.Regularization.ReplayFraction,
            SaveMergedModel = recipe.SaveMergedModel,
        };
    }

    /// <summary>The base model directory, or <see cref="Recipe.BuiltInBase"/> (see <see cref="UsesBuiltInBase"/>).</summary>
    public static string BaseModel(Recipe recipe) => recipe.Base
        ?? throw new RecipeException("base", $"no base model: give a Hugging Face model directory or \"{Recipe.BuiltInBase}\"");

    public static bool UsesBuiltInBase(Recipe recipe) => recipe.Base == Recipe.BuiltInBase;

    public static IReadOnlyList<string> DataFiles(Recipe recipe) => recipe.Data.Count > 0
        ? recipe.Data
        : throw new RecipeException("data", "no training data: give one file or a list of files");

    /// <summary>The held-out file, or null to hold out <c>data_options.validation_fraction</c> of the data.</summary>
    public static string? ValidationFile(Recipe recipe) => recipe.Validation;

    public static string OutputDirectory(Recipe recipe) => recipe.Output
        ?? throw new RecipeException("output", "no run directory: give the directory the run is written to");

    /// <summary>
    /// The recipe that means <paramref name="options"/>: how runs configured in code (the built-in base's
    /// pre-training, the demo, the study) record themselves as a recipe.yaml that <c>twinforge finetune</c> or
    /// <c>pretrain --recipe</c> can run again. <see cref="ToFineTuningOptions"/> of the result gives the same options.
    /// </summary>
    public static Recipe ToRecipe(FineTuningOptions options, string? baseModel, IReadOnlyList<string> dataFiles, string? output)
    {
        var training = options.Training;
        var data = options.Data;
        return new Recipe
        {
            Base = baseModel,
            Data = new EquatableList<string>(dataFiles),
            Validation = data.ValidationFile,
            Output = output,
            Method = options.Method,
            SaveMergedModel = options.SaveMergedModel,
            InitialAdapter = options.InitialAdapter,
            Lora = options.Lora is { } lora
                ? new RecipeLora
                {
                    Rank = lora.Rank, Alpha = lora.Alpha, Dropout = lora.Dropout, TargetModules = new EquatableList<string>(lora.TargetModules),
                    TargetPattern = lora.TargetPattern, UseRsLora = lora.UseRsLora,
                }
                : new RecipeLora(),
            Freeze = new RecipeFreeze { Embeddings = options.FreezeEmbeddings, Layers = options.FrozenLayers },
            DataOptions = new RecipeDataOptions
            {
                SequenceLength = data.SequenceLength, Packing = data.Packing, ValidationFraction = data.ValidationFraction, Seed = data.Seed,
                Format = data.Format, Overlong = data.Overlong, MaxDroppedFraction = data.MaxDroppedFraction, PlainTextSeparator = data.PlainTextSeparator,
            },
            Training = new RecipeTraining
            {
                Epochs = training.Epochs, MaxSteps = training.MaxSteps, BatchSize = training.BatchSize,
                GradientAccumulationSteps = training.GradientAccumulationSteps, LearningRate = training.LearningRate, Schedule = training.Schedule,
                WarmupSteps = training.WarmupSteps, MinLearningRateRatio = training.MinimumLearningRateRatio, WeightDecay = training.WeightDecay,
                AdamBeta1 = training.AdamBeta1, AdamBeta2 = training.AdamBeta2, AdamEpsilon = training.AdamEpsilon,
                MaxGradientNorm = training.MaxGradientNorm, Precision = training.Precision,
                ActivationCheckpointing = training.ActivationCheckpointing, Seed = training.Seed,
                MaxConsecutiveNonFiniteSteps = training.MaxConsecutiveNonFiniteSteps,
            },
            Regularization = new RecipeRegularization
            {
                Dropout = training.Dropout, L2Sp = training.L2SpStrength, ReplayFile = options.ReplayFile, ReplayFraction = options.ReplayFraction,
            },
            EarlyStopping = new RecipeEarlyStopping
            {
                EvaluateEverySteps = training.EvaluateEverySteps, Patience = training.EarlyStoppingPatience,
                MinImprovement = training.EarlyStoppingMinimumImprovement, RestoreBest = training.RestoreBestWeights,
            },
            Checkpoints = new RecipeCheckpoints { EverySteps = training.CheckpointEverySteps, KeepLast = training.KeepLastCheckpoints },
        };
    }

    internal static TrainingOptions ToTrainingOptions(Recipe recipe) => new()
    {
        Epochs = recipe.Training.Epochs,
        MaxSteps = recipe.Training.MaxSteps,
        BatchSize = recipe.Training.BatchSize,
        GradientAccumulationSteps = recipe.Training.GradientAccumulationSteps,
        LearningRate = recipe.Training.LearningRate,
        Schedule = recipe.Training.Schedule,
        WarmupSteps = recipe.Training.WarmupSteps,
        MinimumLearningRateRatio = recipe.Training.MinLearningRateRatio,
        WeightDecay = recipe.Training.WeightDecay,
        AdamBeta1 = recipe.Training.AdamBeta1,
        AdamBeta2 = recipe.Training.AdamBeta2,
        AdamEpsilon = recipe.Training.AdamEpsilon,
        MaxGradientNorm = recipe.Training.MaxGradientNorm,
        Precision = recipe.Training.Precision,
        ActivationCheckpointing = recipe.Training.ActivationCheckpointing,
        Seed = recipe.Training.Seed,
        MaxConsecutiveNonFiniteSteps = recipe.Training.MaxConsecutiveNonFiniteSteps,
        Dropout = recipe.Regularization.Dropout,
        L2SpStrength = recipe.Regularization.L2Sp,
        EvaluateEverySteps = recipe.EarlyStopping.EvaluateEverySteps,
        EarlyStoppingPatience = recipe.EarlyStopping.Patience,
        EarlyStoppingMinimumImprovement = recipe.EarlyStopping.MinImprovement,
        RestoreBestWeights = recipe.EarlyStopping.RestoreBest,
        CheckpointEverySteps = recipe.Checkpoints.EverySteps,
        KeepLastCheckpoints = recipe.Checkpoints.KeepLast,
    };

    static LoraConfig? ToLoraConfig(RecipeLora lora, ModelFamily? family)
    {
        var namesTargets = lora.TargetModules.Count > 0 || lora.TargetPattern is not null;
        if (namesTargets) return ToLoraConfig(lora, lora.TargetModules);
        // Untouched: the engine's null, which means its defaults on the family's targets.
        if (lora == new RecipeLora()) return null;
        if (family is { } known) return ToLoraConfig(lora, LoraConfig.DefaultTargets(known));
        throw new RecipeException("lora.target_modules",
            "name the target modules (e.g. [q_proj, v_proj]) or a target_pattern when changing other LoRA settings");
    }

    internal static LoraConfig ToLoraConfig(RecipeLora lora, IReadOnlyList<string> targetModules) => new()
    {
        Rank = lora.Rank,
        Alpha = lora.Alpha,
        Dropout = lora.Dropout,
        TargetModules = targetModules,
        TargetPattern = lora.TargetPattern,
        UseRsLora = lora.UseRsLora,
    };

    static TrainingDataOptions ToDataOptions(Recipe recipe) => new()
    {
        SequenceLength = recipe.DataOptions.SequenceLength,
        Packing = recipe.DataOptions.Packing,
        ValidationFile = recipe.Validation,
        ValidationFraction = recipe.DataOptions.ValidationFraction,
        Seed = recipe.DataOptions.Seed,
        Format = recipe.DataOptions.Format,
        Overlong = recipe.DataOptions.Overlong,
        MaxDroppedFraction = recipe.DataOptions.MaxDroppedFraction,
        PlainTextSeparator = recipe.DataOptions.PlainTextSeparator,
    };
}
