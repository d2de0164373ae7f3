using Twinforge.Cli.Runs;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Recipes;
using Twinforge.Reporting;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// A built-in base's pre-training continued in sittings: each sitting trains the latest model further on the same
/// corpus — every weight, a new warm-up and cosine schedule at a lower peak, the batches in another order — into
/// <c>sitting-N/</c> of the size's run directory (sitting 1 is the pre-training itself). A pre-training longer than a
/// working session so grows in parts, each a complete run: interrupted, it resumes from its checkpoint; finished, its
/// model is the size's newest, and <see cref="ShippedBaseModel.Publish"/> ships it with every sitting's recipe.
/// </summary>
public static class BaseModelSittings
{
    /// <summary>A sitting's peak learning rate, as a share of the size's own: the model is already trained, the re-warm-up should not undo it.</summary>
    public const double LearningRateShare = 0.5;

    const string Prefix = "sitting-";

    /// <summary>The run directory of sitting <paramref name="number"/> (2 and on).</summary>
    public static string Directory(string cacheRoot, BuiltInModelSize size, int number) =>
        Path.Combine(BuiltInBaseModel.RunDirectory(cacheRoot, size), Prefix + number);

    /// <summary>The newest finished sitting in the cache (its model directory and number), or null when none has finished.</summary>
    public static (string Model, int Number)? Latest(string cacheRoot, BuiltInModelSize size)
    {
        var run = BuiltInBaseModel.RunDirectory(cacheRoot, size);
        if (!System.IO.Directory.Exists(run)) return null;
        return System.IO.Directory.EnumerateDirectories(run, Prefix + "*")
            .Select(directory => (Directory: directory, Number: int.TryParse(Path.GetFileName(directory)[Prefix.Length..], out int n) ? n : 0))
            .Where(sitting => sitting.Number >= 2 && Finished(sitting.Directory))
            .OrderByDescending(sitting => sitting.Number)
            .Select(sitting => ((string Model, int Number)?)(Path.Combine(sitting.Directory, FineTuning.ModelDirectoryName), sitting.Number))
            .FirstOrDefault();
    }

    static bool Finished(string runDirectory) =>
        File.Exists(Path.Combine(runDirectory, FineTuning.RecordFileName)) &&
        File.Exists(Path.Combine(runDirectory, FineTuning.ModelDirectoryName, "config.json"));

    /// <summary>
    /// The most-trained base of this size and its sitting number: of the newest finished sitting in the cache, the
    /// cached pre-training (sitting 1) and the shipped base (its marker says how many sittings made it), the one with
    /// the most sittings, the cache's on a tie; null when there is none.
    /// </summary>
    public static (string Model, int Number)? Current(string cacheRoot, BuiltInModelSize size, string? shippedRoot = null)
    {
        (string Model, int Number)? best = Latest(cacheRoot, size);
        if (best is null && BuiltInBaseModel.Existing(cacheRoot, size) is { } pretrained) best = (pretrained, 1);
        if (ShippedBaseModel.Find(size, shippedRoot) is { } shipped && ShippedBaseModel.Sittings(shipped) is var sittings && sittings > (best?.Number ?? 0))
            best = (shipped, sittings);
        return best;
    }

    /// <summary>
    /// The options of sitting <paramref name="number"/>: the size's pre-training with <paramref name="steps"/> updates
    /// (warm-up, evaluations and checkpoints scaled to them) at a peak of <paramref name="learningRate"/>, every weight
    /// trained from the previous model's. With a held-out file (the English size) the batches are shuffled with the
    /// sitting's number; without one the data seed stays the pre-training's, for it also chose the held-out documents.
    /// </summary>
    public static FineTuningOptions Options(BuiltInModelSize size, int number, int steps, double learningRate, string? heldOut)
    {
        var options = BuiltInBaseModel.PretrainingOptions(size);
        return options with
        {
            Method = FineTuningMethod.Full,
            Data = heldOut is null ? options.Data : options.Data with { Seed = number, ValidationFile = heldOut },
            Training = options.Training with
            {
                MaxSteps = steps, LearningRate = learningRate, WarmupSteps = Math.Max(1, steps / 20),
                EvaluateEverySteps = Math.Max(1, steps / 5), CheckpointEverySteps = Math.Max(1, steps / 10), Seed = number,
            },
        };
    }

    /// <summary>
    /// Runs the next sitting (or resumes the one under way) and returns its result; its model is then the cache's newest.
    /// A sitting started from the shipped base copies the shipped recipes into the run directory first, so the cache
    /// holds the whole history it publishes.
    /// </summary>
    /// <exception cref="BadInputException">There is no base to continue, or a sitting under way was started with other settings.</exception>
    public static FineTuningResult Continue(string cacheRoot, BuiltInModelSize size, int steps, double learningRate,
        Action<TrainingEvent>? onEvent, CancellationToken cancellationToken, string? shippedRoot = null)
    {
        var (previous, number) = Current(cacheRoot, size, shippedRoot)
            ?? throw new BadInputException($"there is no {size.Name} base to continue (none in the cache, none shipped): run 'twinforge pretrain --size {size.Name}' first");
        var sitting = Directory(cacheRoot, size, number + 1);
        var (corpus, heldOut) = BuiltInBaseModel.Corpus(cacheRoot, size);
        var options = Options(size, number + 1, steps, learningRate, heldOut);
        KeepShippedHistory(cacheRoot, size, previous);
        var recipe = RecipeMapper.ToRecipe(options, previous, [corpus], sitting);
        var result = RecipeRun.Run(recipe, previous, sitting, options, onEvent, cancellationToken, command: "pretrain");
        if (!result.Training.Cancelled) RunReport.Write(sitting);
        return result;
    }

    /// <summary>
    /// Every recipe that made the newest model, oldest first, as (file name when shipped, path): the pre-training's
    /// <c>recipe.yaml</c>, then <c>sitting-N.recipe.yaml</c> for each sitting.
    /// </summary>
    public static IReadOnlyList<(string Name, string Path)> Recipes(string cacheRoot, BuiltInModelSize size)
    {
        var run = BuiltInBaseModel.RunDirectory(cacheRoot, size);
        var recipes = new List<(string, string)>();
        var first = Path.Combine(run, RecipeWriter.FileName);
        if (File.Exists(first)) recipes.Add((RecipeWriter.FileName, first));
        int newest = Latest(cacheRoot, size)?.Number ?? 1;
        for (int number = 2; number <= newest; number++)
        {
            var shippedCopy = Path.Combine(run, RecipeName(number));
            var own = Path.Combine(Directory(cacheRoot, size, number), RecipeWriter.FileName);
            if (File.Exists(own)) recipes.Add((RecipeName(number), own));
            else if (File.Exists(shippedCopy)) recipes.Add((RecipeName(number), shippedCopy));
        }
        return recipes;
    }

    /// <summary>
    /// Ships <paramref name="model"/> (<see cref="ShippedBaseModel.Publish"/>) with the recipes that made it: a cached
    /// sitting's with every sitting's recipe and their number; a shipped model's with its own.
    /// </summary>
    public static void Publish(string cacheRoot, BuiltInModelSize size, string model, string target)
    {
        var full = Path.GetFullPath(model);
        if (Latest(cacheRoot, size) is { } latest && Path.GetFullPath(latest.Model) == full)
            ShippedBaseModel.Publish(model, size, target, latest.Number, Recipes(cacheRoot, size));
        else if (File.Exists(Path.Combine(full, ShippedBaseModel.MarkerFileName)))
            ShippedBaseModel.Publish(model, size, target, ShippedBaseModel.Sittings(full),
                System.IO.Directory.GetFiles(full, "*" + RecipeWriter.FileName).Order(StringComparer.Ordinal).Select(file => (Path.GetFileName(file), file)).ToList());
        else
            ShippedBaseModel.Publish(model, size, target);
    }

    /// <summary>How sitting <paramref name="number"/>'s recipe is named where the recipes of all sittings lie together.</summary>
    public static string RecipeName(int number) => $"{Prefix}{number}.{RecipeWriter.FileName}";

    /// <summary>A sitting on the shipped base: its recipes (and how many sittings made it) become the cache's history.</summary>
    static void KeepShippedHistory(string cacheRoot, BuiltInModelSize size, string previous)
    {
        var run = BuiltInBaseModel.RunDirectory(cacheRoot, size);
        if (File.Exists(Path.Combine(previous, ShippedBaseModel.MarkerFileName)) is false) return;
        System.IO.Directory.CreateDirectory(run);
        foreach (var file in System.IO.Directory.EnumerateFiles(previous, "*" + RecipeWriter.FileName))
        {
            // Never a half-copied recipe, and never over the cache's own (TryCreate leaves an existing file alone).
            using var source = File.OpenRead(file);
            AtomicFile.TryCreate(Path.Combine(run, Path.GetFileName(file)), stream => source.CopyTo(stream));
        }
    }
}
