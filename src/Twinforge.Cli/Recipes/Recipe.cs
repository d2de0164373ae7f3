using Twinforge.Engine.Training;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// A fine-tuning (or pre-training) run described as data: the base model, the data files, where the run goes and
/// every setting of the run. Read by <see cref="RecipeLoader"/>, changed by <see cref="RecipeOverrides"/>, turned into
/// the engine's options by <see cref="RecipeMapper"/> and saved with the run by <see cref="RecipeWriter"/>. The
/// schema, key by key, is in README.md beside this file; every default is the engine's own.
/// </summary>
/// <example><code>var recipe = new Recipe { Base = "builtin", Data = ["alice.jsonl"], Output = "runs/alice-v1" };</code></example>
public sealed record Recipe
{
    /// <summary>The value of <see cref="Base"/> that names the CLI's built-in base model instead of a directory.</summary>
    public const string BuiltInBase = "builtin";

    /// <summary>A Hugging Face model directory, or <see cref="BuiltInBase"/>. Key <c>base</c>.</summary>
    public string? Base { get; init; }

    /// <summary>The training files. Key <c>data</c>: a list, or a single string.</summary>
    public EquatableList<string> Data { get; init; } = [];

    /// <summary>A held-out file; when absent, <c>data_options.validation_fraction</c> is held out. Key <c>validation</c>.</summary>
    public string? Validation { get; init; }

    /// <summary>The run directory. Key <c>output</c>.</summary>
    public string? Output { get; init; }

    /// <summary>Key <c>method</c>: <c>lora</c>, <c>full</c> or <c>from_scratch</c>.</summary>
    public FineTuningMethod Method { get; init; } = EngineDefaults.FineTuning.Method;

    /// <summary>
    /// For LoRA: a PEFT adapter to continue training from (a previous version's); its own config then sets the LoRA
    /// shape, so the <c>lora</c> section must stay at its defaults. Key <c>initial_adapter</c>.
    /// </summary>
    public string? InitialAdapter { get; init; }

    /// <summary>For LoRA: also write the merged model. Key <c>save_merged_model</c>.</summary>
    public bool SaveMergedModel { get; init; } = EngineDefaults.FineTuning.SaveMergedModel;

    public RecipeLora Lora { get; init; } = new();
    public RecipeFreeze Freeze { get; init; } = new();
    public RecipeDataOptions DataOptions { get; init; } = new();
    public RecipeTraining Training { get; init; } = new();
    public RecipeRegularization Regularization { get; init; } = new();
    public RecipeEarlyStopping EarlyStopping { get; init; } = new();
    public RecipeCheckpoints Checkpoints { get; init; } = new();
}
