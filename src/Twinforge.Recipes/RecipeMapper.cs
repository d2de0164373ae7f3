using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes;

/// <summary>
/// Turns a recipe into what the engine runs: its <see cref="FineTuningOptions"/> (checked first by
/// <see cref="RecipeValidator"/>, so an out-of-range value is reported by its recipe key), plus the base model, data
/// files and run directory, whose absence is reported the same way.
/// </summary>
/// <example><code>
/// var options = RecipeMapper.ToFineTuningOptions(recipe);
/// FineTuning.Run(RecipeMapper.BaseModel(recipe), RecipeMapper.DataFiles(recipe), RecipeMapper.OutputDirectory(recipe), options, …);
/// </code></example>
public static class RecipeMapper
{
    /// <summary>The recipe's options as the engine takes them, after checking every key.</summary>
    public static FineTuningOptions ToFineTuningOptions(Recipe recipe)
    {
        RecipeValidator.Validate(recipe);
        return AsEngineTakesThem(recipe.Options);
    }

    /// <summary>
    /// The options with the LoRA settings dropped where the engine does not use them or means the same by null: for
    /// full fine-tuning and from scratch, when an initial adapter brings its own, and when they are all defaults.
    /// </summary>
    internal static FineTuningOptions AsEngineTakesThem(FineTuningOptions options) => options with
    {
        Lora = options.Method == FineTuningMethod.Lora && options.Lora is { } lora && lora != new LoraConfig() ? lora : null,
    };

    /// <summary>The base model directory, or <see cref="Recipe.BuiltInBase"/> (see <see cref="UsesBuiltInBase"/>).</summary>
    public static string BaseModel(Recipe recipe) => recipe.Base
        ?? throw new RecipeException("base", $"no base model: give a Hugging Face model directory, \"{Recipe.BuiltInBase}\" or hf:ORG/NAME[@REVISION]");

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
    public static Recipe ToRecipe(FineTuningOptions options, string? baseModel, IReadOnlyList<string> dataFiles, string? output) =>
        new() { Base = baseModel, Data = new EquatableList<string>(dataFiles), Output = output, Options = options };
}
