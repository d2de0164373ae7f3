using Twinforge.Cli.Progress;
using Twinforge.Recipes;
using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Runs;

/// <summary>A run described by a recipe: trained with live progress, its effective recipe saved beside it.</summary>
public static class RecipeRun
{
    /// <summary>
    /// Trains with live progress under <paramref name="title"/>; <paramref name="recipe"/> is the effective recipe,
    /// as recorded in the run directory's recipe.yaml.
    /// </summary>
    /// <param name="command">The command that resumes such a run, for messages.</param>
    public static FineTuningResult Execute(TrainingDisplay display, string title, Recipe recipe, string baseModelDirectory, string runDirectory,
        FineTuningOptions options, CancellationToken cancellationToken, string command = "finetune") =>
        display.Run(title, onEvent => Run(recipe, baseModelDirectory, runDirectory, options, onEvent, cancellationToken, command));

    /// <summary>
    /// Trains the recipe's data into <paramref name="runDirectory"/>, writing recipe.yaml once the run has started. A
    /// recipe whose base is a Hub model (<c>hf:…</c>, pinned to its commit) names it in run.json too.
    /// </summary>
    public static FineTuningResult Run(Recipe recipe, string baseModelDirectory, string runDirectory, FineTuningOptions options,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken, string command = "finetune")
    {
        var baseModelSource = Hub.HubModelReference.IsHubReference(recipe.Base) ? recipe.Base : null;
        var recipePath = Path.Combine(runDirectory, RecipeWriter.FileName);
        try
        {
            return FineTuning.Run(baseModelDirectory, RecipeMapper.DataFiles(recipe), runDirectory, options, trainingEvent =>
            {
                // Written once the data is valid and the run has started, with automatic precision as it resolved (so the
                // file repeats the run anywhere); a resumed run keeps the recipe it was started with.
                // A search (training.auto) reports its candidates, not their runs: written at its first.
                if (trainingEvent is RunStarted or SearchTrialCompleted && !File.Exists(recipePath))
                    RecipeWriter.Write(recipe.With(o => o with
                    {
                        Training = o.Training with
                        {
                            Precision = (trainingEvent as RunStarted)?.ResolvedPrecision ?? PrecisionChoice.OnThisMachine(o.Training.Precision),
                        },
                    }), recipePath);
                onEvent?.Invoke(trainingEvent);
            }, cancellationToken, baseModelSource);
        }
        catch (CheckpointMismatchException mismatch) when (File.Exists(recipePath))
        {
            throw new BadInputException(ResumeRefused(mismatch, recipe, recipePath, command), mismatch);
        }
    }

    /// <summary>
    /// Why a resume was refused, in recipe keys: each setting that differs from the run's own recipe.yaml, and the
    /// command that resumes with the run's own settings.
    /// </summary>
    static string ResumeRefused(CheckpointMismatchException mismatch, Recipe recipe, string recipePath, string command)
    {
        var started = RecipeLoader.Load(recipePath);
        // The run's recipe records the precision 'automatic' resolved to: compared the same way, it is not a difference.
        var asStarted = recipe.With(o => o with { Training = o.Training with { Precision = PrecisionChoice.OnThisMachine(o.Training.Precision) } });
        var differences = RecipeComparison.Differences(started, asStarted).Select(key => $"{key.Path} was {key.Then}, now {key.Now}").ToList();
        var what = differences.Count > 0
            ? $"the run in {Path.GetDirectoryName(recipePath)} was started with other settings: {string.Join("; ", differences)}"
            : $"{mismatch.Message} (its recipe is the same, so its data files or base model have changed since)";
        return $"{what}. Resume it with its own settings: {ResumeCommand(recipePath, command)}";
    }

    static string ResumeCommand(string recipePath, string command) =>
        $"twinforge {command} --recipe {Quoted(recipePath)} --resume";

    /// <summary>A path as a shell word: quoted when it holds spaces or quotes.</summary>
    static string Quoted(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\')
        ? $"'{path.Replace("'", "'\\''")}'"
        : path;

    /// <summary>Says how to continue an interrupted run; returns the exit code for it.</summary>
    public static int Interrupted(TextWriter console, FineTuningResult run, string command, string runDirectory)
    {
        var recipePath = Path.Combine(runDirectory, RecipeWriter.FileName);
        console.WriteLine($"Interrupted at step {run.Training.Steps}: a checkpoint was saved. Continue with: {ResumeCommand(recipePath, command)}");
        return ExitCodes.Interrupted;
    }
}
