using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;

namespace Twinforge.Cli;

/// <summary>Exit codes: 0 success, 1 failure, 2 bad input (arguments, files, data) — scripts can tell them apart.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    /// <summary>Stopped by Ctrl-C after saving a checkpoint (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}

/// <summary>
/// Runs a parsed command line, turning bad input (a <see cref="BadInputException"/>, which includes every
/// <see cref="InputFileException"/>, or a registry refusal) into a clear message and exit code 2.
/// </summary>
public static class CommandRunner
{
    public static int Invoke(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        var parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
            // Ctrl-C cancels the command's token; a training run then finishes its update and writes a checkpoint,
            // which takes longer than System.CommandLine's default grace of two seconds.
            ProcessTerminationTimeout = TimeSpan.FromMinutes(2),
        };
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors) configuration.Error.WriteLine($"error: {parseError.Message}");
            configuration.Error.WriteLine("Run with --help to see the options.");
            return ExitCodes.BadInput;
        }
        try
        {
            return parseResult.InvokeAsync(configuration, cancellationToken).GetAwaiter().GetResult();
        }
        catch (RegistryConflictException e)
        {
            // Another writer got there first: nothing is wrong with the input, so it is a failure to retry.
            configuration.Error.WriteLine($"conflict: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (InputFileException e)
        {
            // A recipe reports all its errors at once: one line each, so that each reads "error: file:line: …".
            foreach (var each in e.Errors) configuration.Error.WriteLine($"error: {each.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is BadInputException or ArgumentException or RegistryException and not ArtifactCorruptedException)
        {
            configuration.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException e)
        {
            configuration.Error.WriteLine($"interrupted: {e.Message}");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            // Disk full, permissions, a diverged or refused run, a native error: the message says what happened; files
            // written so far are whole (every write is temp + rename) and the last checkpoint is intact.
            configuration.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
