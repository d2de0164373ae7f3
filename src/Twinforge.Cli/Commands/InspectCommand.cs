using System.CommandLine;
using Twinforge.Engine;

namespace Twinforge.Cli.Commands;

/// <summary><c>twinforge inspect --model DIR</c>: what a model directory holds, validated by loading it.</summary>
public static class InspectCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        // The model options every command shares, without --adapter: what is inspected is a model as it is.
        var arguments = new ModelArguments(hub);
        var model = arguments.Model;
        var cache = arguments.Cache;
        var command = new Command("inspect", "Load a model (a directory, the built-in base or one from the Hub) and describe its architecture, size and tokenizer.") { model, cache };
        command.SetAction((result, cancellationToken) =>
        {
            using var loaded = PretrainedModel.Load(arguments.ResolveDirectory(result, cancellationToken));
            var config = loaded.Config;
            var output = result.InvocationConfiguration.Output;
            output.WriteLine($"model type      {config.ModelType} ({config.Family} family)");
            output.WriteLine($"parameters      {loaded.Network.ParameterCount:N0}");
            output.WriteLine($"layers          {config.LayerCount}, hidden {config.HiddenSize}, heads {config.HeadCount} (key/value {config.KeyValueHeadCount}), MLP {config.IntermediateSize}");
            output.WriteLine($"context         {config.MaxPositions} positions");
            output.WriteLine($"vocabulary      {config.VocabularySize} (tokenizer: {loaded.Tokenizer.VocabularySize}, chat format: {loaded.Tokenizer.ChatTemplate.Name})");
            output.WriteLine($"tied embeddings {config.TieWordEmbeddings}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
