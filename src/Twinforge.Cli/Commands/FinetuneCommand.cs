using Twinforge.Engine.Generation;
using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Recipes;
using Twinforge.Cli.Runs;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using Twinforge.Hub;
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
    public static Command Create(HubSettings hub)
    {
        var line = new RecipeCommandLine("Training files: chat JSONL, prompt/completion JSONL or plain text");
        line.Typed("--base", "base", "Base model: a Hugging Face model directory, 'builtin' for the built-in base, or hf:ORG/NAME[@REVISION] from the Hub (pulled into its cache) [required: here or in the recipe]");
        line.Typed("--validation", "validation", "A held-out file [default: hold out data_options.validation_fraction of the documents]");
        line.Typed("--output", "output", "The run directory [required: here or in the recipe]");
        line.Typed("--method", "method", "lora, full or from_scratch [default: lora]");
        line.Typed("--epochs", "training.epochs", "Passes over the data [default: 3]");
        line.Typed("--max-steps", "training.max_steps", "Optimizer updates, overriding epochs [default: none]");
        line.Typed("--lr", "training.learning_rate", "Peak learning rate [default: 2e-4]");
        line.Typed("--batch-size", "training.batch_size", "Sequences per batch [default: 8]");
        line.Typed("--rank", "lora.rank", "LoRA rank [default: 8]");
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var command = new Command("finetune", "Fine-tune a base model on a creator's data (LoRA, full, or from scratch for comparison), with validation and early stopping.");
        foreach (var option in line.Options.Concat([size, cache, plain])) command.Options.Add(option);
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var effective = line.Effective(result, new Recipe());
            var runDirectory = Path.GetFullPath(RecipeMapper.OutputDirectory(effective));
            bool force = line.ForceRequested(result);
            RunDirectoryGuard.TrainingRun.Check(runDirectory, line.ResumeRequested(result), force);
            var display = TrainingDisplay.For(console, result.GetValue(plain));
            string basePath;
            if (HubModelReference.IsHubReference(RecipeMapper.BaseModel(effective)))
            {
                // The run records the model pinned to the commit it trained on, so the recipe repeats it exactly.
                var pulled = HubBaseModel.Get(hub, effective.Base!, [], console, cancellationToken);
                (basePath, effective) = (pulled.Directory, effective with { Base = pulled.Pinned.ToString() });
            }
            else basePath = RecipeMapper.UsesBuiltInBase(effective)
                ? BuiltInModels.EnsureBase(CacheLocation.Resolve(result.GetValue(cache)), BuiltInModelSize.Parse(result.GetValue(size)!), display, cancellationToken)
                : Path.GetFullPath(RecipeMapper.BaseModel(effective));
            var recorded = HubModelReference.IsHubReference(effective.Base) ? effective : effective with { Base = basePath };
            var options = RecipeMapper.ToFineTuningOptions(effective);
            var dataFiles = RecipeMapper.DataFiles(effective);

            // Everything is checked: only now is a replaced run deleted.
            RunDirectoryGuard.TrainingRun.ReplaceIfForced(runDirectory, force);
            var run = RecipeRun.Execute(display, $"finetune ({options.Method})", recorded, basePath, runDirectory, options, cancellationToken);
            if (run.Training.Cancelled) return Task.FromResult(RecipeRun.Interrupted(console, run, "finetune", runDirectory));
            try
            {
                RunSamples.Write(runDirectory, basePath, run, RecipeMapper.ValidationFile(effective) ?? dataFiles[0]);
            }
            catch (NonFiniteScoresException diverged)
            {
                // The run's record and report are still written: they show where the losses stopped being finite.
                console.WriteLine($"warning: no sample answers in the report: {diverged.Message}");
            }
            var report = RunReport.Write(runDirectory);
            RunSummary.Write(console, run, report);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
