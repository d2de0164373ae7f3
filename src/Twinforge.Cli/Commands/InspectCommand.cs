using System.CommandLine;
using Twinforge.Engine;

namespace Twinforge.Cli.Commands;

/// <summary><c>twinforge inspect --model DIR</c>: what a model directory holds, validated by loading it.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model directory in Hugging Face layout, or 'builtin' for the built-in base ('builtin:standard', 'builtin:tiny' for another size)", Required = true,
        };
        var cache = CommonOptions.Cache();
        var command = new Command("inspect", "Load a model directory and describe its architecture, size and tokenizer.") { model, cache };
        command.SetAction(result =>
        {
            using var loaded = PretrainedModel.Load(ModelArguments.Resolve(result.GetValue(model)!, BuiltIn.CacheLocation.Resolve(result.GetValue(cache))));
            var config = loaded.Config;
            var output = result.InvocationConfiguration.Output;
            output.WriteLine($"model type      {config.ModelType} ({config.Family} family)");
            output.WriteLine($"parameters      {loaded.Network.ParameterCount:N0}");
            output.WriteLine($"layers          {config.LayerCount}, hidden {config.HiddenSize}, heads {config.HeadCount} (key/value {config.KeyValueHeadCount}), MLP {config.IntermediateSize}");
            output.WriteLine($"context         {config.MaxPositions} positions");
            output.WriteLine($"vocabulary      {config.VocabularySize} (tokenizer: {loaded.Tokenizer.VocabularySize}, chat format: {loaded.Tokenizer.ChatTemplate.Name})");
            output.WriteLine($"tied embeddings {config.TieWordEmbeddings}");
            return ExitCodes.Success;
        });
        return command;
    }
}
