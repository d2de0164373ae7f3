using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Cli.Recipes;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge finetune</c>: a fine-tuning run described by a recipe (YAML or JSON) and/or options, any of which
/// override the recipe. Shows live progress, writes the adapter (PEFT), the merged model, metrics, checkpoints, the
/// effective recipe and report.html into the run directory, and prints a summary. Ctrl-C saves a checkpoint;
/// <c>--resume</c> continues.
/// </summary>
public static class FinetuneCommand
{
    const string RecipeFileName = "recipe.yaml";

    public static Command Create()
    {
        var recipe = new Option<FileInfo>("--recipe") { Description = "A recipe file (.yaml, .yml or .json) describing the run; options below override it [default: none]" };
        var baseModel = new Option<string>("--base") { Description = "Base model: a Hugging Face model directory, or 'builtin' for the built-in base [recipe key: base]" };
        var data = new Option<string[]>("--data") { Description = "Training files: chat JSONL, prompt/completion JSONL or plain text [recipe key: data]", AllowMultipleArgumentsPerToken = true };
        var validation = new Option<string>("--validation") { Description = "A held-out file [recipe key: validation; default: hold out data_options.validation_fraction of the documents]" };
        var output = new Option<string>("--output") { Description = "The run directory [recipe key: output]" };
        var method = new Option<string>("--method") { Description = "lora, full or from_scratch [recipe key: method; default: lora]" };
        var epochs = new Option<string>("--epochs") { Description = "Passes over the data [recipe key: training.epochs; default: 3]" };
        var maxSteps = new Option<string>("--max-steps") { Description = "Optimizer updates, overriding epochs [recipe key: training.max_steps; default: none]" };
        var learningRate = new Option<string>("--lr") { Description = "Peak learning rate [recipe key: training.learning_rate; default: 2e-4]" };
        var batchSize = new Option<string>("--batch-size") { Description = "Sequences per batch [recipe key: training.batch_size; default: 8]" };
        var rank = new Option<string>("--rank") { Description = "LoRA rank [recipe key: lora.rank; default: 8]" };
        var set = new Option<string[]>("--set") { Description = "Any recipe key, as key.path=value (e.g. --set early_stopping.patience=5); repeatable", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the output directory from its last checkpoint [default: off]" };
        var force = new Option<bool>("--force") { Description = "Replace the run the output directory holds (only a Twinforge run is ever deleted) [default: off]" };
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var command = new Command("finetune", "Fine-tune a base model on a creator's data (LoRA, full, or from scratch for comparison), with validation and early stopping.")
        {
            recipe, baseModel, data, validation, output, method, epochs, maxSteps, learningRate, batchSize, rank, set, resume, force, size, cache, plain,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var effective = result.GetValue(recipe) is FileInfo file ? RecipeLoader.Load(file.FullName) : new Recipe();
            foreach (var (option, key) in new (Option, string)[]
                     {
                         (baseModel, "base"), (validation, "validation"), (output, "output"), (method, "method"), (epochs, "training.epochs"),
                         (maxSteps, "training.max_steps"), (learningRate, "training.learning_rate"), (batchSize, "training.batch_size"), (rank, "lora.rank"),
                     })
            {
                if (result.GetResult(option) is { Implicit: false } given && given.Tokens.Count > 0)
                    effective = RecipeOverrides.Set(effective, key, given.Tokens[0].Value);
            }
            // Set as a list, not as "a,b" text: a file name may hold a comma. Relative to the current directory, as typed.
            if (result.GetValue(data) is { Length: > 0 } files) effective = effective with { Data = new EquatableList<string>(files.Select(Path.GetFullPath)) };
            effective = RecipeOverrides.Apply(effective, result.GetValue(set) ?? []);

            var runDirectory = Path.GetFullPath(RecipeMapper.OutputDirectory(effective));
            CheckRunDirectory(runDirectory, result.GetValue(resume), result.GetValue(force));
            var display = TrainingDisplay.For(console, result.GetValue(plain));
            var basePath = RecipeMapper.UsesBuiltInBase(effective)
                ? BuiltInModels.EnsureBase(CacheLocation.Resolve(result.GetValue(cache)), BuiltInModelSize.Parse(result.GetValue(size)!), display, cancellationToken)
                : Path.GetFullPath(RecipeMapper.BaseModel(effective));
            var family = TransformerConfig.Load(Path.Combine(basePath, "config.json")).Family;
            var options = RecipeMapper.ToFineTuningOptions(effective, family);
            var dataFiles = RecipeMapper.DataFiles(effective);

            // Everything is checked: only now is a replaced run deleted.
            if (result.GetValue(force) && Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
            var recipePath = Path.Combine(runDirectory, RecipeFileName);
            var run = display.Run($"finetune ({options.Method})", onEvent => FineTuning.Run(basePath, dataFiles, runDirectory, options, trainingEvent =>
            {
                // Written once the data is valid and the run has started (or resumed, when it is kept as first written).
                if (trainingEvent is RunStarted && !File.Exists(recipePath)) RecipeWriter.Write(effective with { Base = basePath }, recipePath);
                onEvent(trainingEvent);
            }, cancellationToken));
            if (run.Training.Cancelled)
            {
                console.WriteLine($"Interrupted at step {run.Training.Steps}: a checkpoint was saved. Continue with: twinforge finetune --output {runDirectory} --resume (and the same recipe and options).");
                return Task.FromResult(ExitCodes.Interrupted);
            }
            RunSamples.Write(runDirectory, basePath, run, RecipeMapper.ValidationFile(effective) ?? dataFiles[0]);
            var report = RunReport.Write(runDirectory);
            RunSummary.Write(console, run, report);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// A directory that holds a run is continued only with --resume and replaced only with --force; a non-empty
    /// directory that is not a run is never touched.
    /// </summary>
    static void CheckRunDirectory(string runDirectory, bool resume, bool force)
    {
        if (resume && force) throw new ArgumentException("--resume and --force contradict each other: continue the run, or replace it");
        if (!Directory.Exists(runDirectory) || !Directory.EnumerateFileSystemEntries(runDirectory).Any()) return;
        bool holdsRun = new[] { RecipeFileName, MetricsLog.FileName, FineTuning.RecordFileName, CheckpointStore.DirectoryName }
            .Any(entry => Path.Exists(Path.Combine(runDirectory, entry)));
        if (!holdsRun)
            throw new ArgumentException($"{runDirectory} is not empty and holds no Twinforge run: choose another --output");
        if (!resume && !force)
            throw new ArgumentException($"{runDirectory} already holds a run: add --resume to continue it, --force to replace it, or choose another --output");
    }
}
