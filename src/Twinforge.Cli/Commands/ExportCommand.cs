using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Engine.Lora;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge export --model BASE --adapter ADAPTER --output DIR</c>: merges a LoRA adapter into its base and
/// writes the result as a plain Hugging Face model directory (config, safetensors, tokenizer) any tool can load.
/// </summary>
public static class ExportCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        var model = new ModelArguments(hub);
        model.RequireAdapter();
        var output = new Option<DirectoryInfo>("--output") { Description = "Directory for the merged model (must not exist, or be empty)", Required = true };
        var shard = new Option<long>("--max-shard-mb") { Description = "Split the weights into shards of at most this many megabytes", DefaultValueFactory = _ => 5000 }
            .AtLeast(1);
        var command = new Command("export", "Merge a LoRA adapter into its base model and save a complete Hugging Face model directory.") { output, shard };
        model.AddTo(command);
        command.SetAction(result =>
        {
            var console = result.InvocationConfiguration.Output;
            var destination = result.GetValue(output)!.FullName;
            OptionChecks.RequireOutputDirectory(destination, output.Name);
            if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
                throw new BadInputException($"{destination} already exists and is not empty: choose a new --output directory");
            using var loaded = model.Load(result);
            var merged = LoraMerger.Merge(loaded.Network);
            // Written beside the destination and renamed into place: a failed export leaves nothing half-written.
            if (Directory.Exists(destination)) Directory.Delete(destination);
            AtomicDirectory.Write(destination, directory => loaded.Save(directory, result.GetValue(shard) << 20));
            console.WriteLine($"merged {merged.Count} adapted modules into the base; model written to {destination}");
            return ExitCodes.Success;
        });
        return command;
    }
}
