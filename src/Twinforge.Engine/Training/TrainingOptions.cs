namespace Twinforge.Engine.Training;

/// <summary>
/// The hyperparameters of a training run: optimisation, evaluation, overfitting control and checkpointing.
/// Defaults suit fine-tuning a small model on a creator's data; every value is recorded with the run.
/// </summary>
/// <example><code>
/// var options = new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 2e-4, EvaluateEverySteps = 20 };
/// </code></example>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data; the run's length unless <see cref="MaxSteps"/> is set.</summary>
    [RecipeKey("training.epochs")] public int Epochs { get; init; } = 3;

    /// <summary>Optimizer updates to take; when set it overrides <see cref="Epochs"/>.</summary>
    [RecipeKey("training.max_steps")] public int? MaxSteps { get; init; }

    /// <summary>Sequences per forward pass (creator and replay rows together).</summary>
    [RecipeKey("training.batch_size")] public int BatchSize { get; init; } = 8;

    /// <summary>Forward passes whose gradients are summed into one update: the effective batch is BatchSize × this.</summary>
    [RecipeKey("training.gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Peak learning rate (after warm-up).</summary>
    [RecipeKey("training.learning_rate")] public double LearningRate { get; init; } = 2e-4;

    [RecipeKey("training.schedule")] public ScheduleShape Schedule { get; init; } = ScheduleShape.Cosine;

    /// <summary>Updates of linear warm-up from 0 to the peak; null for 5% of the run (at least 1).</summary>
    [RecipeKey("training.warmup_steps")] public int? WarmupSteps { get; init; }

    /// <summary>The learning rate at the end of the decay, as a share of the peak.</summary>
    [RecipeKey("training.min_learning_rate_ratio")] public double MinimumLearningRateRatio { get; init; } = 0.1;

    /// <summary>Decoupled weight decay (AdamW's λ); never applied to norms and biases.</summary>
    [RecipeKey("training.weight_decay")] public double WeightDecay { get; init; } = 0.01;

    [RecipeKey("training.adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    [RecipeKey("training.adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    [RecipeKey("training.adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Gradients are rescaled so their global L2 norm is at most this; 0 turns clipping off (the norm is still reported).</summary>
    [RecipeKey("training.max_gradient_norm")] public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>
    /// Dropout for the model's embeddings, attention and residual paths during training; null keeps the checkpoint
    /// config's values. (LoRA dropout is set in the LoRA configuration.)
    /// </summary>
    [RecipeKey("regularization.dropout")] public double? Dropout { get; init; }

    /// <summary>
    /// L2-SP strength α: adds α · ‖θ − θ₀‖² to the loss, pulling trainable weights towards the pre-trained ones
    /// (for LoRA, θ − θ₀ is each adapter's weight delta). 0 turns it off.
    /// </summary>
    [RecipeKey("regularization.l2_sp")] public double L2SpStrength { get; init; }

    /// <summary>Evaluate on the validation set every this many updates (and at the end of each epoch); 0 for epoch ends only.</summary>
    [RecipeKey("early_stopping.evaluate_every_steps")] public int EvaluateEverySteps { get; init; } = 50;

    /// <summary>Stop after this many evaluations without improvement; null turns early stopping off.</summary>
    [RecipeKey("early_stopping.patience")] public int? EarlyStoppingPatience { get; init; } = 3;

    /// <summary>How much the validation loss must fall (in nats) to count as an improvement.</summary>
    [RecipeKey("early_stopping.min_improvement")] public double EarlyStoppingMinimumImprovement { get; init; } = 0.001;

    /// <summary>At the end, put back the weights of the evaluation with the lowest validation loss.</summary>
    [RecipeKey("early_stopping.restore_best")] public bool RestoreBestWeights { get; init; } = true;

    /// <summary>Write a resumable checkpoint every this many updates (and at the end); 0 for the end only.</summary>
    [RecipeKey("checkpoints.every_steps")] public int CheckpointEverySteps { get; init; } = 50;

    /// <summary>Checkpoints kept on disk: older ones are deleted once a newer one is complete.</summary>
    [RecipeKey("checkpoints.keep_last")] public int KeepLastCheckpoints { get; init; } = 2;

    /// <summary>Matrix-product precision; see <see cref="TrainingPrecision"/>.</summary>
    [RecipeKey("training.precision")] public TrainingPrecision Precision { get; init; } = TrainingPrecision.Automatic;

    /// <summary>
    /// Recompute each block's activations during the backward pass instead of keeping them from the forward pass:
    /// the same gradients with a fraction of the memory (GPT-2 124M LoRA at 8 × 256: see bench/NOTES.md), for about
    /// one more forward pass of compute per step. For long sequences or large batches on small machines.
    /// </summary>
    [RecipeKey("training.activation_checkpointing")] public bool ActivationCheckpointing { get; init; }

    /// <summary>Consecutive updates with a non-finite loss or gradient after which the run stops as diverged.</summary>
    [RecipeKey("training.max_consecutive_non_finite_steps")] public int MaxConsecutiveNonFiniteSteps { get; init; } = 5;

    /// <summary>
    /// Choose the learning rate, epochs and LoRA rank by a budgeted search around this recipe's own values
    /// (<see cref="Search.HyperparameterSearch"/>, successive halving on the held-out loss) instead of training with
    /// them as given. <see cref="FineTuning.Run"/> acts on it; a single training run ignores it. In a recipe,
    /// <c>training: auto</c> is short for this set and every other training key at its default.
    /// </summary>
    [RecipeKey("training.auto")] public bool Auto { get; init; }

    /// <summary>
    /// With <see cref="Auto"/> on a new LoRA adapter: the search also tries full fine-tuning (every weight trained, at
    /// the recipe's learning rate ÷10 and ÷30, for each of its epoch counts), which on a small base fits a creator's
    /// data better than an adapter can. Off by default: a fully fine-tuned version stores a whole model instead of an
    /// adapter, and its training keeps float32 weights and AdamW state for every weight (16 bytes a parameter), too
    /// much for a large base on a small machine.
    /// </summary>
    [RecipeKey("training.auto_full_finetuning")] public bool AutoFullFineTuning { get; init; }

    /// <summary>Seeds dropout, LoRA initialisation and anything else random in the run (batch order has the data's seed).</summary>
    [RecipeKey("training.seed")] public long Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (FindProblems() is [var first, ..]) throw first;
    }

    /// <summary>
    /// Every option out of range, each as the <see cref="ArgumentOutOfRangeException"/> <see cref="Validate"/> throws
    /// for the first (its ParamName is the property's name); empty when all are valid. For reporting them all at once.
    /// </summary>
    public IReadOnlyList<ArgumentException> FindProblems()
    {
        var problems = new List<ArgumentException>();
        void Require(bool condition, string name, object? value, string rule)
        {
            if (!condition) problems.Add(new ArgumentOutOfRangeException(name, value, $"{name} {rule}"));
        }
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(MaxSteps is null or >= 1, nameof(MaxSteps), MaxSteps, "must be at least 1");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "must be at least 1");
        Require(GradientAccumulationSteps >= 1, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "must be positive");
        Require(WarmupSteps is null or >= 0, nameof(WarmupSteps), WarmupSteps, "must not be negative");
        Require(MinimumLearningRateRatio is >= 0 and <= 1, nameof(MinimumLearningRateRatio), MinimumLearningRateRatio, "must be in [0, 1]");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Require(AdamBeta1 is >= 0 and < 1, nameof(AdamBeta1), AdamBeta1, "must be in [0, 1)");
        Require(AdamBeta2 is >= 0 and < 1, nameof(AdamBeta2), AdamBeta2, "must be in [0, 1)");
        Require(AdamEpsilon > 0, nameof(AdamEpsilon), AdamEpsilon, "must be positive");
        Require(MaxGradientNorm >= 0, nameof(MaxGradientNorm), MaxGradientNorm, "must not be negative");
        Require(Dropout is null or (>= 0 and < 1), nameof(Dropout), Dropout, "must be in [0, 1)");
        Require(L2SpStrength >= 0, nameof(L2SpStrength), L2SpStrength, "must not be negative");
        Require(EvaluateEverySteps >= 0, nameof(EvaluateEverySteps), EvaluateEverySteps, "must not be negative");
        Require(EarlyStoppingPatience is null or >= 1, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "must be at least 1");
        Require(EarlyStoppingMinimumImprovement >= 0, nameof(EarlyStoppingMinimumImprovement), EarlyStoppingMinimumImprovement, "must not be negative");
        Require(CheckpointEverySteps >= 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "must not be negative");
        Require(KeepLastCheckpoints >= 1, nameof(KeepLastCheckpoints), KeepLastCheckpoints, "must be at least 1");
        Require(MaxConsecutiveNonFiniteSteps >= 1, nameof(MaxConsecutiveNonFiniteSteps), MaxConsecutiveNonFiniteSteps, "must be at least 1");
        return problems;
    }
}
