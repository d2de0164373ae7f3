using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge pretrain</c>: builds the built-in base model (a byte-level Llama-style model pre-trained from random
/// initialisation on general English from Debian's fortunes packages) into the cache, or reports that it is there.
/// Interrupted, it resumes from its last checkpoint next time.
/// </summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var command = new Command("pretrain", "Pre-train the built-in base model from scratch on a general-English corpus (cached and reused).")
        {
            size, cache, plain,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            var model = BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken);
            output.WriteLine($"built-in base model ({modelSize.Name}): {model}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
