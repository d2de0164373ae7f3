using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Hub;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>--model</c> (a Hugging Face model directory, <c>builtin</c> / <c>builtin:tiny</c> for the built-in base, or
/// <c>hf:ORG/NAME[@REVISION]</c> from the Hub's cache, pulled first when missing) and <c>--adapter</c> (a PEFT adapter
/// directory loaded onto it), shared by every command that uses a model.
/// </summary>
public sealed class ModelArguments(HubSettings hub)
{
    public Option<string> Model { get; } = new("--model")
    {
        Description = "Model directory in Hugging Face layout (config.json, *.safetensors, tokenizer.json), 'builtin' for the built-in base the training commands use by default (the shipped English one; 'builtin:standard', 'builtin:tiny' for another size), or hf:ORG/NAME[@REVISION] from the Hugging Face Hub (pulled into its cache when missing)",
        Required = true,
    };

    const string AdapterDescription = "A LoRA adapter in PEFT layout (adapter_config.json + adapter_model.safetensors) to load onto the model";

    public Option<DirectoryInfo> Adapter { get; } = new("--adapter") { Description = AdapterDescription + " [default: none]" };

    public Option<DirectoryInfo> Cache { get; } = CommonOptions.Cache();

    /// <summary>For a command that needs an adapter (export): required, so without a default.</summary>
    public void RequireAdapter()
    {
        Adapter.Required = true;
        Adapter.Description = AdapterDescription;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Adapter);
        command.Options.Add(Cache);
    }

    /// <summary>
    /// The model directory the arguments name (the built-in base must have been built: see <c>pretrain</c>). A Hub
    /// model's pull reports on the error stream, so that what the command prints stays its own output.
    /// </summary>
    /// <param name="cancellationToken">Ctrl-C: stops a pull (or the wait for the Hub) at once.</param>
    public string ResolveDirectory(ParseResult result, CancellationToken cancellationToken) =>
        Resolve(result.GetValue(Model)!, CacheLocation.Resolve(result.GetValue(Cache)), hub, result.InvocationConfiguration.Error, cancellationToken);

    /// <summary><paramref name="model"/> as a directory: a Hub model pulled (or found offline) through <paramref name="hub"/>.</summary>
    public static string Resolve(string model, string cacheRoot, HubSettings hub, TextWriter progress, CancellationToken cancellationToken) =>
        HubModelReference.IsHubReference(model)
            ? Runs.HubBaseModel.Get(hub, model, [], progress, cancellationToken).Directory
            : Resolve(model, cacheRoot);

    public static string Resolve(string model, string cacheRoot)
    {
        if (model == "builtin" || model.StartsWith("builtin:", StringComparison.Ordinal))
        {
            // "builtin" is the base the training commands use by default (the shipped English one, when it ships).
            var size = model == "builtin" ? BuiltInModelSize.Default() : BuiltInModelSize.Parse(model["builtin:".Length..]);
            return BuiltInModels.Find(cacheRoot, size)
                   ?? throw new BadInputException($"the built-in base model ({size.Name}) has not been built yet in {cacheRoot}: run 'twinforge pretrain --size {size.Name}' first");
        }
        var directory = Path.GetFullPath(model);
        if (File.Exists(directory))
            throw new BadInputException($"--model {model}: {directory} is a file; give a model directory in Hugging Face layout (config.json, *.safetensors, tokenizer.json), 'builtin' or hf:ORG/NAME");
        return directory;
    }

    /// <summary>Loads the model from <paramref name="directory"/> (<see cref="ResolveDirectory"/>'s) and, if given, the adapter onto it.</summary>
    public PretrainedModel Load(ParseResult result, string directory)
    {
        var loaded = PretrainedModel.Load(directory);
        try
        {
            if (result.GetValue(Adapter) is DirectoryInfo adapter) PeftAdapter.Load(loaded.Network, adapter.FullName);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }
}
