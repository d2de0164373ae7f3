using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Recipes;

/// <summary>
/// Checks a recipe's values are in range by the engine's own rules (the FindProblems of each option record), and names
/// the recipe key at fault rather than the engine's property, through the schema (<see cref="RecipeKeys.PathOf"/>).
/// </summary>
public static class RecipeValidator
{
    /// <summary>Throws <see cref="RecipeException"/> naming the first key out of range.</summary>
    public static void Validate(Recipe recipe)
    {
        if (FindProblems(recipe) is [var first, ..]) throw first;
    }

    /// <summary>Every key out of range (a recipe's author fixes them all in one go); empty when all are valid.</summary>
    public static IReadOnlyList<RecipeException> FindProblems(Recipe recipe)
    {
        var options = RecipeMapper.AsEngineTakesThem(recipe.Options);
        return
        [
            .. Named(typeof(FineTuningOptions), options.FindProblems(), fallback: "method"),
            .. Named(typeof(TrainingOptions), options.Training.FindProblems(), fallback: "training"),
            .. Named(typeof(TrainingDataOptions), options.Data.FindProblems(), fallback: "data_options"),
            .. Named(typeof(LoraConfig), options.Lora?.FindProblems() ?? [], fallback: "lora"),
        ];
    }

    /// <summary>The engine's problems with the options of <paramref name="owner"/>, each named by its recipe key.</summary>
    static IEnumerable<RecipeException> Named(Type owner, IReadOnlyList<ArgumentException> problems, string fallback) =>
        problems.Select(e => new RecipeException(
            e.ParamName is { } name ? RecipeKeys.PathOf(owner, name) ?? fallback : fallback, EngineProblem(e), e));

    /// <summary>
    /// The engine's message without what ArgumentException appends (" (Parameter 'X')", "Actual value was …") or the
    /// property name it starts with ("BatchSize must be …"), plus the value found.
    /// </summary>
    static string EngineProblem(ArgumentException e)
    {
        var problem = ArgumentProblem.Of(e);
        return e is ArgumentOutOfRangeException { ActualValue: { } value } ? $"{problem}, got {Format(value)}" : problem;
    }

    static string Format(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        Enum member => SnakeCaseEnum.Name(member),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
