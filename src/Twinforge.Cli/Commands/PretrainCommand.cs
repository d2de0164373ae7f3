using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Recipes;
using Twinforge.Cli.Runs;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge pretrain</c>: with no data, builds the built-in base model (a byte-level Llama-style model pre-trained
/// from random initialisation on general English from Debian's fortunes packages) into the cache, or reports that it
/// is there; with <c>--continue</c>, runs another sitting of its pre-training (<see cref="BaseModelSittings"/>). With <c>--data</c> or <c>--recipe</c>, pre-trains a base model of one's own on one's own corpus into
/// <c>--output</c>: the built-in architecture at <c>--size</c>, or the architecture and tokenizer of a Hugging Face
/// model directory with its weights re-initialised. Either way the run resumes from its last checkpoint when
/// interrupted and gets a recipe.yaml and report.html.
/// </summary>
public static class PretrainCommand
{
    const string Name = "pretrain";

    public static Command Create()
    {
        var line = new RecipeCommandLine("Plain-text corpus files: paragraphs (or data_options.plain_text_separator lines) separate documents");
        Option<string> maxSteps, learningRate;
        var typed = new[]
        {
            line.Typed("--base", "base", "What to pre-train: 'builtin' (the built-in architecture at --size, byte-level tokenizer) or a Hugging Face model directory whose architecture and tokenizer are used [default: builtin]"),
            line.Typed("--validation", "validation", "A held-out file [default: hold out 2% of the documents]"),
            line.Typed("--output", "output", "The run directory; its model/ is the new base [required with --data]"),
            line.Typed("--method", "method", "from_scratch (random initialisation) or full (continue pre-training the base's weights) [default: from_scratch]"),
            maxSteps = line.Typed("--max-steps", "training.max_steps", "Optimizer updates [default: the size's budget: 1800 english, 800 standard, 30 tiny]"),
            learningRate = line.Typed("--lr", "training.learning_rate", "Peak learning rate [default: the size's: 1e-3 english, 2e-3 standard, 3e-3 tiny]"),
            line.Typed("--batch-size", "training.batch_size", "Sequences per batch [default: the size's: 32 english, 16 standard, 8 tiny]"),
        };
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var publish = new Option<DirectoryInfo>("--publish")
        {
            Description = "Without --data: also write the built-in base as the project ships it into this directory (weights in bf16 " +
                          "safetensors, config, tokenizer, shipped.json with the size, its cache key and every file's SHA-256) [default: none]",
        };
        var sitting = new Option<bool>("--continue")
        {
            Description = "Without --data: another sitting of the built-in base's pre-training, training the newest one (cached or shipped) " +
                          "further on its corpus into the cache's sitting-N/; --max-steps and --lr set its length and peak " +
                          $"[default: false; a sitting's default length is the size's budget, its peak {BaseModelSittings.LearningRateShare:0.#} of the size's rate]",
        };
        var command = new Command(Name, "Pre-train a base model from scratch: the built-in one on general English (cached and reused), or one of your own with --data.");
        foreach (var option in line.Options.Concat([size, cache, plain, publish, sitting])) command.Options.Add(option);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            bool ownCorpus = result.GetValue(line.Recipe) is not null || result.GetValue(line.Data) is { Length: > 0 };
            bool continuing = result.GetValue(sitting);
            if (!ownCorpus)
            {
                // A sitting takes its length and peak from the command line; nothing else applies to the built-in base.
                var given = typed.Where(option => !continuing || (option != maxSteps && option != learningRate))
                    .Concat<Option>([line.Set, line.Resume, line.Force]).FirstOrDefault(option => result.GetResult(option) is { Implicit: false });
                if (given is not null)
                    throw new BadInputException($"{given.Name} needs --data or --recipe: without them pretrain builds the built-in base model into the cache" +
                                                (continuing ? " (a sitting takes only --max-steps and --lr)" : ""));
                if (continuing) return Task.FromResult(ContinueBuiltIn(line, result, modelSize, cacheRoot, display, result.GetValue(publish), cancellationToken));
                var model = BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken);
                output.WriteLine($"built-in base model ({modelSize.Name}): {model}");
                // The report of the run that made it (the pre-training's or a sitting's); a shipped model has none beside it.
                var report = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, RunReport.FileName);
                if (File.Exists(report)) output.WriteLine($"report: {report}");
                Publish(output, cacheRoot, modelSize, model, result.GetValue(publish));
                return Task.FromResult(ExitCodes.Success);
            }
            if (continuing) throw new BadInputException("--continue trains the built-in base further: it takes no --data or --recipe");
            if (result.GetResult(publish) is { Implicit: false })
                throw new BadInputException("--publish writes the built-in base as shipped: it takes no --data or --recipe");
            return Task.FromResult(PretrainOwnCorpus(line, result, modelSize, cacheRoot, display, cancellationToken));
        });
        return command;
    }

    static void Publish(TextWriter output, string cacheRoot, BuiltInModelSize size, string model, DirectoryInfo? target)
    {
        if (target is null) return;
        BaseModelSittings.Publish(cacheRoot, size, model, target.FullName);
        output.WriteLine($"published as shipped: {target.FullName} ({ShippedBaseModel.MarkerFileName} lists its files' SHA-256)");
    }

    /// <summary><c>pretrain --continue</c>: the next sitting of the built-in base's pre-training (or the one under way, resumed).</summary>
    static int ContinueBuiltIn(RecipeCommandLine line, ParseResult result, BuiltInModelSize size, string cacheRoot, TrainingDisplay display,
        DirectoryInfo? publish, CancellationToken cancellationToken)
    {
        var console = display.Output;
        var defaults = BuiltInBaseModel.PretrainingOptions(size).Training;
        var effective = line.Effective(result, RecipeMapper.ToRecipe(BuiltInBaseModel.PretrainingOptions(size) with
        {
            Training = defaults with { LearningRate = defaults.LearningRate * BaseModelSittings.LearningRateShare },
        }, Recipe.BuiltInBase, [], output: null)).Options.Training;
        var run = display.Run($"pre-training base ({size.Name}), another sitting",
            onEvent => BaseModelSittings.Continue(cacheRoot, size, effective.MaxSteps ?? defaults.MaxSteps!.Value, effective.LearningRate, onEvent, cancellationToken));
        var (model, number) = BaseModelSittings.Latest(cacheRoot, size) ?? default;
        if (run.Training.Cancelled)
        {
            console.WriteLine("Interrupted: a checkpoint was saved. Run the same command again to resume the sitting.");
            return ExitCodes.Interrupted;
        }
        console.WriteLine($"built-in base model ({size.Name}) after sitting {number}: {model}");
        console.WriteLine($"report: {Path.Combine(BaseModelSittings.Directory(cacheRoot, size, number), RunReport.FileName)}");
        Publish(console, cacheRoot, size, model, publish);
        return ExitCodes.Success;
    }

    static int PretrainOwnCorpus(RecipeCommandLine line, ParseResult result, BuiltInModelSize size, string cacheRoot, TrainingDisplay display,
        CancellationToken cancellationToken)
    {
        var console = display.Output;
        var defaults = RecipeMapper.ToRecipe(BuiltInBaseModel.CorpusPretrainingOptions(size), Recipe.BuiltInBase, [], output: null);
        var effective = line.Effective(result, defaults);
        if (effective.Options.Method == FineTuningMethod.Lora)
            throw new RecipeException("method", "pre-training trains every weight: use from_scratch (random initialisation) or full (continue from the base's weights)");
        var runDirectory = Path.GetFullPath(RecipeMapper.OutputDirectory(effective));
        bool force = line.ForceRequested(result);
        RunDirectoryGuard.TrainingRun.Check(runDirectory, line.ResumeRequested(result), force);
        var basePath = RecipeMapper.UsesBuiltInBase(effective)
            ? BuiltInBaseModel.InitialModel(cacheRoot, size)
            : Path.GetFullPath(RecipeMapper.BaseModel(effective));
        var options = RecipeMapper.ToFineTuningOptions(effective);
        _ = RecipeMapper.DataFiles(effective); // a recipe without data is refused before anything is replaced

        RunDirectoryGuard.TrainingRun.ReplaceIfForced(runDirectory, force);
        var run = RecipeRun.Execute(display, $"pre-training ({options.Method})", effective with { Base = basePath }, basePath, runDirectory, options, cancellationToken, Name);
        if (run.Training.Cancelled) return RecipeRun.Interrupted(console, run, Name, runDirectory);
        var report = RunReport.Write(runDirectory);
        RunSummary.Write(console, run, report);
        console.WriteLine($"The new base model: {run.ModelDirectory} (fine-tune it with: twinforge finetune --base {run.ModelDirectory} …)");
        return ExitCodes.Success;
    }
}
