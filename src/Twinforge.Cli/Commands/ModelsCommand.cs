using System.CommandLine;
using Twinforge.Cli.Progress;
using Twinforge.Cli.Runs;
using Twinforge.Hub;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge models pull ORG/NAME[@REVISION]</c>: a model from the Hugging Face Hub into the cache the Python tools
/// share (HF_HUB_CACHE, HF_HOME), with progress, ending with its snapshot directory and commit; <c>models list</c>:
/// what that cache holds.
/// </summary>
public static class ModelsCommand
{
    public static Command Create(HubSettings settings) => new("models", "Models from the Hugging Face Hub, in the cache shared with the Python tools (HF_HUB_CACHE or HF_HOME).")
    {
        Pull(settings),
        List(settings),
    };

    static Command Pull(HubSettings settings)
    {
        var model = new Argument<string>("model") { Description = "ORG/NAME or ORG/NAME@REVISION (a branch, tag or commit; hf: in front is accepted), e.g. Qwen/Qwen2.5-0.5B-Instruct" };
        var include = new Option<string[]>("--include")
        {
            Description = "More files to fetch, as glob patterns (e.g. '*.md'); repeatable [default: the configuration, tokenizer and *.safetensors only]",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("pull", "Download a model from the Hub (HF_ENDPOINT; HF_TOKEN for gated models), resuming what an earlier pull left, each file checked against its hash.")
        {
            model, include,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var pulled = HubBaseModel.Get(settings, result.GetValue(model)!, result.GetValue(include) ?? [], output, cancellationToken);
            output.WriteLine($"snapshot: {pulled.Directory}");
            output.WriteLine($"commit: {pulled.Commit}");
            output.WriteLine($"fine-tune it with: twinforge finetune --base {pulled.Pinned} --data …");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Command List(HubSettings settings)
    {
        var command = new Command("list", "The models in the Hugging Face cache: each revision's commit, the branches or tags that point to it, files and size.");
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var models = HubCacheListing.List(settings.CacheDirectory);
            if (models.Count == 0) output.WriteLine($"no models in {settings.CacheDirectory}");
            foreach (var model in models)
            {
                output.WriteLine($"{model.RepoId}  {PullProgressView.Size(model.SizeBytes)}");
                foreach (var revision in model.Revisions)
                {
                    var refs = revision.Refs.Count > 0 ? $" ({string.Join(", ", revision.Refs)})" : "";
                    output.WriteLine($"  {revision.Commit}{refs}  {revision.FileCount} files, {PullProgressView.Size(revision.SizeBytes)}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
