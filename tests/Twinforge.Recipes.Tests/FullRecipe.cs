using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes.Tests;

/// <summary>One recipe that sets every key to a non-default value, in YAML and in JSON, and the options it means.</summary>
static class FullRecipe
{
    public const string Yaml = """
        base: models/gpt2
        data: [alice.jsonl, more/alice2.jsonl]
        validation: held_out.jsonl
        output: runs/alice-v1
        method: lora
        save_merged_model: false
        lora:
          rank: 16
          alpha: 32
          dropout: 0.05
          target_modules: [q_proj, v_proj]
          target_pattern: null
          use_rslora: true
        freeze: { embeddings: true, layers: 2 }
        data_options:
          sequence_length: 256
          packing: false
          validation_fraction: 0.2
          seed: 7
          format: prompt_completion
          overlong: truncate_left
          max_dropped_fraction: 0.5
          plain_text_separator: "%"
        training:
          epochs: 5
          max_steps: 400
          batch_size: 4
          gradient_accumulation_steps: 2
          learning_rate: 1e-3
          schedule: Linear
          warmup_steps: 10
          min_learning_rate_ratio: 0.05
          weight_decay: 0.1
          adam_beta1: 0.8
          adam_beta2: 0.99
          adam_epsilon: 1e-6
          max_gradient_norm: 0.5
          precision: bfloat16_mixed
          activation_checkpointing: true
          seed: 42
          max_consecutive_non_finite_steps: 3
        regularization: { dropout: 0.1, l2_sp: 0.01, replay_file: general.txt, replay_fraction: 0.3 }
        early_stopping: { evaluate_every_steps: 20, patience: null, min_improvement: 0.01, restore_best: false }
        checkpoints: { every_steps: 100, keep_last: 3 }
        """;

    public const string Json = """
        {
          "base": "models/gpt2",
          "data": ["alice.jsonl", "more/alice2.jsonl"],
          "validation": "held_out.jsonl",
          "output": "runs/alice-v1",
          "method": "lora",
          "save_merged_model": false,
          "lora": { "rank": 16, "alpha": 32, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"], "target_pattern": null, "use_rslora": true },
          "freeze": { "embeddings": true, "layers": 2 },
          "data_options": {
            "sequence_length": 256, "packing": false, "validation_fraction": 0.2, "seed": 7,
            "format": "prompt_completion", "overlong": "truncate_left", "max_dropped_fraction": 0.5, "plain_text_separator": "%"
          },
          "training": {
            "epochs": 5, "max_steps": 400, "batch_size": 4, "gradient_accumulation_steps": 2, "learning_rate": 1e-3,
            "schedule": "Linear", "warmup_steps": 10, "min_learning_rate_ratio": 0.05, "weight_decay": 0.1,
            "adam_beta1": 0.8, "adam_beta2": 0.99, "adam_epsilon": 1e-6, "max_gradient_norm": 0.5,
            "precision": "bfloat16_mixed", "activation_checkpointing": true, "seed": 42, "max_consecutive_non_finite_steps": 3
          },
          "regularization": { "dropout": 0.1, "l2_sp": 0.01, "replay_file": "general.txt", "replay_fraction": 0.3 },
          "early_stopping": { "evaluate_every_steps": 20, "patience": null, "min_improvement": 0.01, "restore_best": false },
          "checkpoints": { "every_steps": 100, "keep_last": 3 }
        }
        """;

    /// <summary>The options the recipe above means, its relative paths resolved against <paramref name="recipeDirectory"/>.</summary>
    public static FineTuningOptions ExpectedOptions(RecipeDirectory recipeDirectory) => new()
    {
        Method = FineTuningMethod.Lora,
        Lora = new LoraConfig { Rank = 16, Alpha = 32, Dropout = 0.05, TargetModules = ["q_proj", "v_proj"], UseRsLora = true },
        FreezeEmbeddings = true,
        FrozenLayers = 2,
        Training = new TrainingOptions
        {
            Epochs = 5, MaxSteps = 400, BatchSize = 4, GradientAccumulationSteps = 2, LearningRate = 1e-3,
            Schedule = ScheduleShape.Linear, WarmupSteps = 10, MinimumLearningRateRatio = 0.05, WeightDecay = 0.1,
            AdamBeta1 = 0.8, AdamBeta2 = 0.99, AdamEpsilon = 1e-6, MaxGradientNorm = 0.5,
            Precision = TrainingPrecision.BFloat16Mixed, ActivationCheckpointing = true, Seed = 42, MaxConsecutiveNonFiniteSteps = 3,
            Dropout = 0.1, L2SpStrength = 0.01,
            EvaluateEverySteps = 20, EarlyStoppingPatience = null, EarlyStoppingMinimumImprovement = 0.01, RestoreBestWeights = false,
            CheckpointEverySteps = 100, KeepLastCheckpoints = 3,
        },
        Data = new TrainingDataOptions
        {
            SequenceLength = 256, Packing = false, ValidationFile = recipeDirectory.PathOf("held_out.jsonl"), ValidationFraction = 0.2,
            Seed = 7, Format = DatasetFormat.PromptCompletion, Overlong = OverlongPolicy.TruncateLeft, MaxDroppedFraction = 0.5, PlainTextSeparator = "%",
        },
        ReplayFile = recipeDirectory.PathOf("general.txt"),
        ReplayFraction = 0.3,
        SaveMergedModel = false,
    };

    /// <summary>Asserts record by record, so a failure shows which one differs, then the whole.</summary>
    public static void AssertEqual(FineTuningOptions expected, FineTuningOptions actual)
    {
        Assert.Equal(expected.Lora, actual.Lora);
        Assert.Equal(expected.Training, actual.Training);
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(expected, actual);
    }
}
