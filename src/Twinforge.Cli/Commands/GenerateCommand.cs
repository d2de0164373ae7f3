using System.CommandLine;
using Twinforge.Engine;

namespace Twinforge.Cli.Commands;

/// <summary><c>twinforge generate --model DIR [--adapter DIR] --prompt TEXT</c>: continue a prompt with a model.</summary>
public static class GenerateCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        var model = new ModelArguments(hub);
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", Required = true };
        var decoding = new GenerationOptionsBinder();
        var command = new Command("generate", "Continue a prompt with a model, printing the text as it is generated.") { prompt };
        model.AddTo(command);
        decoding.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            if (string.IsNullOrEmpty(result.GetValue(prompt))) throw new BadInputException("--prompt: is empty; give the text to continue");
            var directory = model.ResolveDirectory(result, cancellationToken);
            using var loaded = model.Load(result, directory);
            var options = decoding.Bind(result, loaded.DefaultGenerationOptions, directory);
            var output = result.InvocationConfiguration.Output;
            output.Write(result.GetValue(prompt));
            using var generator = new Engine.Generation.TextGenerator(loaded.Network, loaded.Tokenizer);
            foreach (var piece in generator.Stream(result.GetValue(prompt)!, options))
            {
                output.Write(piece);
                output.Flush();
                if (!cancellationToken.IsCancellationRequested) continue;
                output.WriteLine();
                return Task.FromResult(ExitCodes.Interrupted);
            }
            output.WriteLine();
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
