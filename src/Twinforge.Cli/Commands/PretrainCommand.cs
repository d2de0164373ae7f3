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
/// is there. With <c>--data</c> or <c>--recipe</c>, pre-trains a base model of one's own on one's own corpus into
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
        var typed = new[]
        {
            line.Typed("--base", "base", "What to pre-train: 'builtin' (the built-in architecture at --size, byte-level tokenizer) or a Hugging Face model directory whose architecture and tokenizer are used [default: builtin]"),
            line.Typed("--validation", "validation", "A held-out file [default: hold out 2% of the documents]"),
            line.Typed("--output", "output", "The run directory; its model/ is the new base [required with --data]"),
            line.Typed("--method", "method", "from_scratch (random initialisation) or full (continue pre-training the base's weights) [default: from_scratch]"),
            line.Typed("--max-steps", "training.max_steps", "Optimizer updates [default: the size's budget: 1800 english, 800 standard, 30 tiny]"),
            line.Typed("--lr", "training.learning_rate", "Peak learning rate [default: the size's: 1e-3 english, 2e-3 standard, 3e-3 tiny]"),
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
        var command = new Command(Name, "Pre-train a base model from scratch: the built-in one on general English (cached and reused), or one of your own with --data.");
        foreach (var option in line.Options.Concat([size, cache, plain, publish])) command.Options.Add(option);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            bool ownCorpus = result.GetValue(line.Recipe) is not null || result.GetValue(line.Data) is { Length: > 0 };
            if (!ownCorpus)
            {
                var given = typed.Concat<Option>([line.Set, line.Resume, line.Force]).FirstOrDefault(option => result.GetResult(option) is { Implicit: false });
                if (given is not null)
                    throw new BadInputException($"{given.Name} needs --data or --recipe: without them pretrain builds the built-in base model into the cache");
                var model = BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken);
                output.WriteLine($"built-in base model ({modelSize.Name}): {model}");
                if (BuiltInBaseModel.Existing(cacheRoot, modelSize) is not null)
                    output.WriteLine($"report: {Path.Combine(BuiltInBaseModel.RunDirectory(cacheRoot, modelSize), RunReport.FileName)}");
                if (result.GetValue(publish) is { } target)
                {
                    ShippedBaseModel.Publish(model, modelSize, target.FullName);
                    output.WriteLine($"published as shipped: {target.FullName} ({ShippedBaseModel.MarkerFileName} lists its files' SHA-256)");
                }
                return Task.FromResult(ExitCodes.Success);
            }
            if (result.GetResult(publish) is { Implicit: false })
                throw new BadInputException("--publish writes the built-in base as shipped: it takes no --data or --recipe");
            return Task.FromResult(PretrainOwnCorpus(line, result, modelSize, cacheRoot, display, cancellationToken));
        });
        return command;
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
