using Twinforge.Engine.Data;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Recipes;

// The sections of a recipe, one record per YAML mapping. Each default is read from the engine's record that the
// value ends up in, so the two cannot drift apart.

/// <summary>Section <c>lora</c>: the adapters (see the engine's LoraConfig).</summary>
public sealed record RecipeLora
{
    public int Rank { get; init; } = EngineDefaults.Lora.Rank;
    public double Alpha { get; init; } = EngineDefaults.Lora.Alpha;
    public double Dropout { get; init; } = EngineDefaults.Lora.Dropout;

    /// <summary>Empty (with no <see cref="TargetPattern"/>) for the base model family's default targets.</summary>
    public EquatableList<string> TargetModules { get; init; } = [.. EngineDefaults.Lora.TargetModules];

    public string? TargetPattern { get; init; } = EngineDefaults.Lora.TargetPattern;
    public bool UseRsLora { get; init; } = EngineDefaults.Lora.UseRsLora;
}

/// <summary>Section <c>freeze</c>: weights kept fixed.</summary>
public sealed record RecipeFreeze
{
    public bool Embeddings { get; init; } = EngineDefaults.FineTuning.FreezeEmbeddings;
    public int Layers { get; init; } = EngineDefaults.FineTuning.FrozenLayers;
}

/// <summary>Section <c>data_options</c>: how the data files become sequences (see TrainingDataOptions).</summary>
public sealed record RecipeDataOptions
{
    public int SequenceLength { get; init; } = EngineDefaults.FineTuning.Data.SequenceLength;
    public bool Packing { get; init; } = EngineDefaults.FineTuning.Data.Packing;
    public double ValidationFraction { get; init; } = EngineDefaults.FineTuning.Data.ValidationFraction;
    public long Seed { get; init; } = EngineDefaults.FineTuning.Data.Seed;
    public DatasetFormat Format { get; init; } = EngineDefaults.FineTuning.Data.Format;
    public OverlongPolicy Overlong { get; init; } = EngineDefaults.FineTuning.Data.Overlong;
    public double MaxDroppedFraction { get; init; } = EngineDefaults.FineTuning.Data.MaxDroppedFraction;
    public string? PlainTextSeparator { get; init; } = EngineDefaults.FineTuning.Data.PlainTextSeparator;
}

/// <summary>Section <c>training</c>: optimisation (see TrainingOptions).</summary>
public sealed record RecipeTraining
{
    public int Epochs { get; init; } = EngineDefaults.Training.Epochs;
    public int? MaxSteps { get; init; } = EngineDefaults.Training.MaxSteps;
    public int BatchSize { get; init; } = EngineDefaults.Training.BatchSize;
    public int GradientAccumulationSteps { get; init; } = EngineDefaults.Training.GradientAccumulationSteps;
    public double LearningRate { get; init; } = EngineDefaults.Training.LearningRate;
    public ScheduleShape Schedule { get; init; } = EngineDefaults.Training.Schedule;
    public int? WarmupSteps { get; init; } = EngineDefaults.Training.WarmupSteps;
    public double MinLearningRateRatio { get; init; } = EngineDefaults.Training.MinimumLearningRateRatio;
    public double WeightDecay { get; init; } = EngineDefaults.Training.WeightDecay;
    public double AdamBeta1 { get; init; } = EngineDefaults.Training.AdamBeta1;
    public double AdamBeta2 { get; init; } = EngineDefaults.Training.AdamBeta2;
    public double AdamEpsilon { get; init; } = EngineDefaults.Training.AdamEpsilon;
    public double MaxGradientNorm { get; init; } = EngineDefaults.Training.MaxGradientNorm;
    public TrainingPrecision Precision { get; init; } = EngineDefaults.Training.Precision;
    public bool ActivationCheckpointing { get; init; } = EngineDefaults.Training.ActivationCheckpointing;
    public long Seed { get; init; } = EngineDefaults.Training.Seed;
    public int MaxConsecutiveNonFiniteSteps { get; init; } = EngineDefaults.Training.MaxConsecutiveNonFiniteSteps;
}

/// <summary>Section <c>regularization</c>: what keeps the model from overfitting or forgetting.</summary>
public sealed record RecipeRegularization
{
    /// <summary>Model dropout while training; null keeps the checkpoint's.</summary>
    public double? Dropout { get; init; } = EngineDefaults.Training.Dropout;

    /// <summary>L2-SP strength α.</summary>
    public double L2Sp { get; init; } = EngineDefaults.Training.L2SpStrength;

    public string? ReplayFile { get; init; } = EngineDefaults.FineTuning.ReplayFile;
    public double ReplayFraction { get; init; } = EngineDefaults.FineTuning.ReplayFraction;
}

/// <summary>Section <c>early_stopping</c>: evaluation on the held-out data and stopping on it.</summary>
public sealed record RecipeEarlyStopping
{
    public int EvaluateEverySteps { get; init; } = EngineDefaults.Training.EvaluateEverySteps;

    /// <summary>Evaluations without improvement before stopping; null turns early stopping off.</summary>
    public int? Patience { get; init; } = EngineDefaults.Training.EarlyStoppingPatience;

    public double MinImprovement { get; init; } = EngineDefaults.Training.EarlyStoppingMinimumImprovement;
    public bool RestoreBest { get; init; } = EngineDefaults.Training.RestoreBestWeights;
}

/// <summary>Section <c>checkpoints</c>.</summary>
public sealed record RecipeCheckpoints
{
    public int EverySteps { get; init; } = EngineDefaults.Training.CheckpointEverySteps;
    public int KeepLast { get; init; } = EngineDefaults.Training.KeepLastCheckpoints;
}
