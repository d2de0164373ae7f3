using Twinforge.Cli.Progress;
using Twinforge.Cli.Recipes;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Runs;

/// <summary>A run described by a recipe: trained with live progress, its effective recipe saved beside it.</summary>
public static class RecipeRun
{
    /// <summary>
    /// Trains with live progress under <paramref name="title"/>; <paramref name="recipe"/> is the effective recipe,
    /// as recorded in the run directory's recipe.yaml.
    /// </summary>
    public static FineTuningResult Execute(TrainingDisplay display, string title, Recipe recipe, string baseModelDirectory, string runDirectory,
        FineTuningOptions options, CancellationToken cancellationToken) =>
        display.Run(title, onEvent => Run(recipe, baseModelDirectory, runDirectory, options, onEvent, cancellationToken));

    /// <summary>Trains the recipe's data into <paramref name="runDirectory"/>, writing recipe.yaml once the run has started.</summary>
    public static FineTuningResult Run(Recipe recipe, string baseModelDirectory, string runDirectory, FineTuningOptions options,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken)
    {
        var recipePath = Path.Combine(runDirectory, RecipeWriter.FileName);
        return FineTuning.Run(baseModelDirectory, RecipeMapper.DataFiles(recipe), runDirectory, options, trainingEvent =>
        {
            // Written once the data is valid and the run has started; a resumed run keeps the recipe it was started with.
            if (trainingEvent is RunStarted && !File.Exists(recipePath)) RecipeWriter.Write(recipe, recipePath);
            onEvent?.Invoke(trainingEvent);
        }, cancellationToken);
    }

    /// <summary>Says how to continue an interrupted run; returns the exit code for it.</summary>
    public static int Interrupted(TextWriter console, FineTuningResult run, string command, string runDirectory)
    {
        console.WriteLine($"Interrupted at step {run.Training.Steps}: a checkpoint was saved. Continue with: twinforge {command} --output {runDirectory} --resume (and the same recipe and options).");
        return ExitCodes.Interrupted;
    }
}
