using Twinforge.Cli.Commands;
using Twinforge.Recipes;
using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Runs;

/// <summary>
/// Protects what an output directory already holds: a directory with a run is continued only with <c>--resume</c>
/// and replaced only with <c>--force</c>; a non-empty directory that holds no Twinforge run is never touched, and
/// <c>--force</c> is refused while a run's directory also holds files the run did not write (a user's data, recipe or
/// notes), so replacing a run never deletes them.
/// </summary>
/// <param name="markers">Entries whose presence shows the directory holds a run of this kind (files or directories).</param>
/// <param name="outputs">Every entry a run of this kind writes at its top level: all that <c>--force</c> may delete.</param>
/// <param name="what">What the directory holds, in the messages ("run", "voice study").</param>
/// <param name="resumable">Whether a run of this kind continues with <c>--resume</c> (the messages offer it only then).</param>
public sealed class RunDirectoryGuard(string[] markers, string[] outputs, string what = "run", bool resumable = true)
{
    /// <summary>
    /// What a fine-tuning or pre-training run directory holds. Its <c>recipe.yaml</c> marks a run only when Twinforge
    /// wrote it (<see cref="RecipeWriter.WroteFile"/>): a user's own recipe beside their data does not.
    /// </summary>
    public static RunDirectoryGuard TrainingRun { get; } = new(
        [MetricsLog.FileName, FineTuning.RecordFileName, CheckpointStore.DirectoryName, RecipeWriter.FileName],
        [RecipeWriter.FileName, MetricsLog.FileName, FineTuning.RecordFileName, CheckpointStore.DirectoryName, "adapter", "model", "plots",
            "best.safetensors", "report.html", "samples.json", "sections.json", "search"]);

    /// <summary>Throws <see cref="BadInputException"/> (exit 2) when the directory may not be used as asked.</summary>
    public void Check(string directory, bool resume, bool force)
    {
        if (resume && force) throw new BadInputException("--resume and --force contradict each other: continue the run, or replace it");
        OptionChecks.RequireOutputDirectory(directory, "--output");
        if (!Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            // A mistyped --output must not start a new run from scratch where a continuation was asked for.
            if (resume) throw new BadInputException($"--resume: {directory} holds no run to continue: check --output, or leave out --resume to start one");
            return;
        }
        if (!HoldsRun(directory))
            throw new BadInputException($"{directory} is not empty and holds no Twinforge {what} ({Listing(Foreign(directory))}): a {what} writes into a " +
                $"directory of its own; choose another --output{(resumable ? " (a recipe's 'output' key)" : "")}, e.g. a new subdirectory");
        if (!resume && !force)
            throw new BadInputException($"{directory} already holds a {what}: {(resumable ? "add --resume to continue it, " : "")}--force to replace it, or choose another --output");
        if (force && Foreign(directory) is { Count: > 0 } foreign)
            throw new BadInputException($"{directory} holds a {what} and files the {what} did not write ({Listing(foreign)}): --force replaces only a {what}, " +
                "so move them elsewhere first, or choose another --output");
    }

    /// <summary>Deletes the run when <paramref name="force"/> was given; call only once everything else is checked.</summary>
    public void ReplaceIfForced(string directory, bool force)
    {
        if (!force || !Directory.Exists(directory) || !HoldsRun(directory)) return;
        // Checked again here, as the directory may have changed since: never delete what a run did not write.
        if (Foreign(directory).Count > 0) throw new BadInputException($"{directory} holds files a {what} did not write: not replaced");
        Directory.Delete(directory, recursive: true);
    }

    public bool HoldsRun(string directory) => markers.Any(entry => entry == RecipeWriter.FileName
        ? RecipeWriter.WroteFile(Path.Combine(directory, entry))
        : Path.Exists(Path.Combine(directory, entry)));

    /// <summary>The directory's entries a run does not write, by name (a recipe.yaml Twinforge did not write among them).</summary>
    IReadOnlyList<string> Foreign(string directory) => Directory.EnumerateFileSystemEntries(directory)
        .Select(path => Path.GetFileName(path))
        .Where(name => !outputs.Contains(name, StringComparer.Ordinal) ||
                       name == RecipeWriter.FileName && !RecipeWriter.WroteFile(Path.Combine(directory, name)))
        .Order(StringComparer.Ordinal).ToList();

    static string Listing(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(5)) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
