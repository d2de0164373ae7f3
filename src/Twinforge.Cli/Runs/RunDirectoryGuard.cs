using Twinforge.Cli.Commands;
using Twinforge.Recipes;
using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Runs;

/// <summary>
/// Protects what an output directory already holds: a directory with a run is continued only with <c>--resume</c>
/// and replaced only with <c>--force</c>; a non-empty directory that holds no Twinforge run is never touched.
/// </summary>
/// <param name="markers">Entries whose presence shows the directory holds a run of this kind (files or directories).</param>
public sealed class RunDirectoryGuard(params string[] markers)
{
    /// <summary>What a fine-tuning or pre-training run directory holds.</summary>
    public static RunDirectoryGuard TrainingRun { get; } =
        new(RecipeWriter.FileName, MetricsLog.FileName, FineTuning.RecordFileName, CheckpointStore.DirectoryName);

    /// <summary>Throws <see cref="BadInputException"/> (exit 2) when the directory may not be used as asked.</summary>
    public void Check(string directory, bool resume, bool force)
    {
        if (resume && force) throw new BadInputException("--resume and --force contradict each other: continue the run, or replace it");
        OptionChecks.RequireOutputDirectory(directory, "--output");
        if (!Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any()) return;
        if (!HoldsRun(directory))
            throw new BadInputException($"{directory} is not empty and holds no Twinforge run: choose another --output");
        if (!resume && !force)
            throw new BadInputException($"{directory} already holds a run: add --resume to continue it, --force to replace it, or choose another --output");
    }

    /// <summary>Deletes the run when <paramref name="force"/> was given; call only once everything else is checked.</summary>
    public void ReplaceIfForced(string directory, bool force)
    {
        if (force && Directory.Exists(directory) && HoldsRun(directory)) Directory.Delete(directory, recursive: true);
    }

    public bool HoldsRun(string directory) => markers.Any(entry => Path.Exists(Path.Combine(directory, entry)));
}
