using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training.Search;

/// <summary>The out-of-fold comparison that decides a search on little data (<see cref="CrossValidation"/>).</summary>
/// <param name="Folds">How many folds the data was cut into.</param>
/// <param name="Difference">The best finisher's out-of-fold loss minus the reference's, example by example, over every example.</param>
/// <param name="Steps">The updates the folds took, for every setting.</param>
/// <param name="Challenger">The trial whose difference that is (null in records from before every finisher was cross-validated: the held-out best).</param>
/// <param name="Finalists">How many finishers were compared with the reference (the interval holds for all of them at once).</param>
public sealed record SearchConfirmation(int Folds, SearchDifference Difference, int Steps, int? Challenger = null, int Finalists = 1);

/// <summary>
/// k-fold cross-validation of one setting: the training data and the held-out data pooled, cut into
/// <see cref="Folds"/> folds by document, a run trained on all but each fold (stopping early on it, as any run stops
/// on its held-out data) and scored on it. Every example is then judged once by a model that never trained on it, so
/// two settings are compared on all the data instead of its held-out tenth: at small shares, several times the
/// examples to tell a real difference from noise.
/// </summary>
public static class CrossValidation
{
    /// <summary>Three folds: each run trains on two thirds of the data, and a comparison costs three runs per setting.</summary>
    public const int Folds = 3;

    /// <summary>The files pooled for the folds: the training files and the validation file, if there is one.</summary>
    public static IReadOnlyList<string> PooledFiles(IReadOnlyList<string> dataFiles, FineTuningOptions options) =>
        options.Data.ValidationFile is string validation ? [.. dataFiles, validation] : dataFiles;

    /// <summary>The folds' run directories under <paramref name="directory"/>.</summary>
    public static IEnumerable<string> FoldDirectories(string directory) => Enumerable.Range(1, Folds).Select(fold => Path.Combine(directory, $"fold-{fold}"));

    /// <summary>
    /// Every pooled example's loss under the run that held it out, fold after fold (the same order for any setting, so
    /// two settings' losses pair up), and the updates taken; when the caller cancels, the cancelled fold's run instead.
    /// </summary>
    /// <param name="directory">Where the folds' runs go (<c>fold-1</c> …); running again resumes them.</param>
    public static (IReadOnlyList<ExampleLoss>? Losses, int Steps, FineTuningResult? Cancelled) OutOfFold(string baseModelDirectory, IReadOnlyList<string> dataFiles, FineTuningOptions options,
        string directory, CancellationToken cancellationToken, string? baseModelSource)
    {
        var pooled = PooledFiles(dataFiles, options);
        var losses = new List<ExampleLoss>();
        int steps = 0;
        for (int fold = 0; fold < Folds; fold++)
        {
            var foldOptions = options with
            {
                Data = options.Data with { ValidationFile = null, Fold = new DataFold(fold, Folds) },
                SaveMergedModel = false,
                Training = options.Training with { Auto = false, KeepLastCheckpoints = 1 },
            };
            var run = FineTuning.Run(baseModelDirectory, pooled, FoldDirectories(directory).ElementAt(fold), foldOptions, onEvent: null, cancellationToken, baseModelSource);
            if (run.Training.Cancelled) return (null, steps + run.Training.Steps, run);
            steps += run.Training.Steps;
            losses.AddRange(SearchEvidence.Losses(baseModelDirectory, pooled, foldOptions, run));
        }
        return (losses, steps, null);
    }
}
