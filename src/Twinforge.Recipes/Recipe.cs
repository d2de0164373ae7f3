using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes;

/// <summary>
/// A fine-tuning (or pre-training) run described as data: the base model, the data files, where the run goes, and the
/// engine's own <see cref="FineTuningOptions"/> for every setting of the run. Read by <see cref="RecipeLoader"/>,
/// changed by <see cref="RecipeOverrides"/>, written by <see cref="RecipeWriter"/>; the keys are the engine options'
/// <see cref="RecipeKeyAttribute"/>s (<see cref="RecipeKeys"/>), so an absent key means exactly what leaving the option
/// unset in code means. The schema, key by key, is in README.md beside this file.
/// </summary>
/// <example><code>var recipe = new Recipe { Base = "builtin", Data = ["alice.jsonl"], Output = "runs/alice-v1" };</code></example>
public sealed record Recipe
{
    /// <summary>The value of <see cref="Base"/> that names the CLI's built-in base model instead of a directory.</summary>
    public const string BuiltInBase = "builtin";

    /// <summary>
    /// A Hugging Face model directory, <see cref="BuiltInBase"/>, or a Hub model <c>hf:ORG/NAME[@REVISION]</c> (a run
    /// records it pinned to its commit). Key <c>base</c>.
    /// </summary>
    public string? Base { get; init; }

    /// <summary>The training files. Key <c>data</c>: a list, or a single string.</summary>
    public EquatableList<string> Data { get; init; } = [];

    /// <summary>The run directory. Key <c>output</c>.</summary>
    public string? Output { get; init; }

    /// <summary>
    /// Every other key: method, LoRA, data options, training, regularization, early stopping, checkpoints. The LoRA
    /// settings are always present here (the engine's null, its defaults, is kept as those defaults), so that a recipe
    /// written and read back equals the original; <see cref="RecipeMapper"/> gives the engine its null again.
    /// </summary>
    public FineTuningOptions Options
    {
        get;
        init => field = value.Lora is null ? value with { Lora = new LoraConfig() } : value;
    } = new() { Lora = new LoraConfig() };

    /// <summary>A held-out file (key <c>validation</c>); when null, <c>data_options.validation_fraction</c> is held out.</summary>
    public string? Validation => Options.Data.ValidationFile;

    /// <summary>This recipe with <see cref="Options"/> changed by <paramref name="change"/>.</summary>
    /// <example><code>recipe = recipe.With(o => o with { Method = FineTuningMethod.FromScratch });</code></example>
    public Recipe With(Func<FineTuningOptions, FineTuningOptions> change) => this with { Options = change(Options) };
}
