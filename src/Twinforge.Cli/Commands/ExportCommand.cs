using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Engine.Gguf;
using Twinforge.Engine.Lora;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge export --model BASE --adapter ADAPTER --output DIR</c>: merges a LoRA adapter into its base and
/// writes the result as a plain Hugging Face model directory (config, safetensors, tokenizer) any tool can load.
/// With <c>--format gguf</c> the directory holds instead one GGUF file for llama.cpp and an Ollama Modelfile: the
/// model (merged with the adapter when one is given) as <c>model.gguf</c>, or with <c>--adapter-only</c> the base as
/// <c>base.gguf</c> and the adapter as <c>adapter.gguf</c>.
/// </summary>
public static class ExportCommand
{
    public const string ModelFileName = "model.gguf", BaseFileName = "base.gguf", AdapterFileName = "adapter.gguf";

    public static Command Create(Hub.HubSettings hub)
    {
        var model = new ModelArguments(hub);
        var output = new Option<DirectoryInfo>("--output") { Description = "Directory for the export (must not exist, or be empty)", Required = true };
        var shard = new Option<long>("--max-shard-mb") { Description = "Split the weights into shards of at most this many megabytes (hf format)", DefaultValueFactory = _ => 5000 }
            .AtLeast(1);
        var format = new Option<string>("--format") { Description = "hf: a merged Hugging Face model directory; gguf: a GGUF file for llama.cpp and an Ollama Modelfile", DefaultValueFactory = _ => "hf" };
        format.AcceptOnlyFromAmong("hf", "gguf");
        var ggufType = new Option<string>("--gguf-type") { Description = "Encoding of the GGUF's matrices (norms and biases stay f32)", DefaultValueFactory = _ => "f32" };
        ggufType.AcceptOnlyFromAmong([.. GgmlTypes.Names]);
        var force = new Option<bool>("--force") { Description = "Replace an earlier export at --output (never a directory holding other files) [default: false]" };
        var adapterOnly = new Option<bool>("--adapter-only") { Description = "gguf: write the adapter as a llama.cpp LoRA adapter beside the unmerged base instead of merging it [default: false]" };
        var command = new Command("export",
            "Export a model for other tools: the base with a LoRA adapter merged in as a Hugging Face model directory, or as GGUF for llama.cpp and Ollama.")
        {
            output, shard, format, ggufType, adapterOnly, force,
        };
        model.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var destination = result.GetValue(output)!.FullName;
            bool gguf = result.GetValue(format) == "gguf";
            bool hasAdapter = result.GetValue(model.Adapter) is not null;
            if (!gguf && !hasAdapter)
                throw new BadInputException("--adapter: the Hugging Face export merges an adapter into its base; name one (or use --format gguf to export a model as it is)");
            if (result.GetValue(adapterOnly) && !(gguf && hasAdapter))
                throw new BadInputException("--adapter-only: needs --format gguf and an --adapter");
            if (!gguf && result.GetResult(ggufType) is { Implicit: false })
                throw new BadInputException("--gguf-type: encodes a GGUF's matrices; it needs --format gguf (a Hugging Face export is written in float32, the precision the adapter is merged in)");
            var directory = model.ResolveDirectory(result, cancellationToken);
            var sources = new[] { directory, result.GetValue(model.Adapter)?.FullName }.OfType<string>().ToList();
            ExportDestination.Require(destination, result.GetValue(force), sources);
            using var loaded = model.Load(result, directory);
            // Written beside the destination and renamed into place: a failed export leaves nothing half-written, and
            // an earlier export (--force) stays whole until the new one is complete.
            if (gguf)
            {
                var type = GgmlTypes.Parse(result.GetValue(ggufType)!);
                var name = Path.GetFileName(destination.TrimEnd(Path.DirectorySeparatorChar));
                var written = result.GetValue(adapterOnly)
                    ? WriteGgufAdapter(loaded, destination, type, name)
                    : WriteGgufModel(loaded, destination, type, name);
                console.WriteLine(written);
                return Task.FromResult(ExitCodes.Success);
            }
            var merged = LoraMerger.Merge(loaded.Network);
            AtomicDirectory.Write(destination, directory => loaded.Save(directory, result.GetValue(shard) << 20));
            console.WriteLine($"merged {merged.Count} adapted modules into the base; model written to {destination}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static string WriteGgufModel(PretrainedModel loaded, string destination, GgmlType type, string name)
    {
        var merged = LoraMerger.Merge(loaded.Network);
        AtomicDirectory.Write(destination, directory =>
        {
            GgufModelExport.Write(loaded.Network, loaded.Tokenizer, Path.Combine(directory, ModelFileName), type, name);
            AtomicFile.WriteAllText(Path.Combine(directory, OllamaModelfile.FileName),
                OllamaModelfile.Create(loaded.Tokenizer, loaded.Config.MaxPositions, "./" + ModelFileName));
        });
        var what = merged.Count > 0 ? $"the base with {merged.Count} adapted modules merged in" : "the model";
        return $"{what} written as {type.Name()} GGUF to {Path.Combine(destination, ModelFileName)}, with an Ollama Modelfile";
    }

    static string WriteGgufAdapter(PretrainedModel loaded, string destination, GgmlType type, string name)
    {
        AtomicDirectory.Write(destination, directory =>
        {
            GgufAdapterExport.Write(loaded.Network, Path.Combine(directory, AdapterFileName), type, name);
            // The base is written from the same network with its adapters set aside, then put back.
            var adapters = loaded.Network.AdaptedProjections().Select(entry => (entry.Projection, Adapter: entry.Projection.DetachAdapter()!)).ToList();
            try
            {
                GgufModelExport.Write(loaded.Network, loaded.Tokenizer, Path.Combine(directory, BaseFileName), type, name + "-base");
            }
            finally
            {
                foreach (var (projection, adapter) in adapters) projection.AttachAdapter(adapter);
                loaded.Network.MarkWeightsChanged();
            }
            AtomicFile.WriteAllText(Path.Combine(directory, OllamaModelfile.FileName),
                OllamaModelfile.Create(loaded.Tokenizer, loaded.Config.MaxPositions, "./" + BaseFileName, "./" + AdapterFileName));
        });
        return $"the base written as {type.Name()} GGUF to {Path.Combine(destination, BaseFileName)} and the adapter to " +
               $"{Path.Combine(destination, AdapterFileName)}, with an Ollama Modelfile";
    }
}
