using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Recipes;
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
/// Runs a parsed command line and turns what escapes it into a message and an exit code: bad input (a
/// <see cref="BadInputException"/>, which includes every <see cref="InputFileException"/>, or a registry refusal) exits
/// with 2; anything else, an internal error included, with 1. With <c>--verbose</c> the whole exception follows the
/// message, stack trace and inner exceptions included.
/// </summary>
public static partial class CommandRunner
{
    /// <summary>The global option that prints the whole exception of any error.</summary>
    public const string VerboseOptionName = "--verbose";

    public static int Invoke(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        var parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
            // Signals are the entry point's (TerminationSignals), which cancels cancellationToken: System.CommandLine's
            // handler ended a graceful stop after a fixed time and crashed on a second signal.
            ProcessTerminationTimeout = null,
        };
        // A misspelt option bound to a command's argument is no parse error to System.CommandLine, but it is one.
        var unknown = UnknownWords.In(parseResult, args);
        if (parseResult.Errors.Count > 0 || unknown.Messages.Count > 0)
        {
            foreach (var message in unknown.Messages) configuration.Error.WriteLine($"error: {message}");
            foreach (var parseError in parseResult.Errors.Where(parseError => !ExplainedBy(unknown, parseError)))
                configuration.Error.WriteLine($"error: {Described(parseError)}");
            configuration.Error.WriteLine("Run with --help to see the options.");
            return ExitCodes.BadInput;
        }
        var verbose = root.Options.OfType<Option<bool>>().FirstOrDefault(option => option.Name == VerboseOptionName) is { } verboseOption
                      && parseResult.GetValue(verboseOption);
        int Report(Exception exception, int exitCode, string prefix = "error")
        {
            // A recipe reports all its errors at once: one line each, so that each reads "error: file:line: …".
            var messages = exception is InputFileException file ? file.Errors.Select(each => each.Message)
                : exception is RecipeException recipe ? [NamedByOption(parseResult, recipe)]
                : [exception.Message];
            foreach (var message in messages) configuration.Error.WriteLine($"{prefix}: {message}");
            if (verbose) configuration.Error.WriteLine(exception.ToString());
            return exitCode;
        }

        try
        {
            return parseResult.InvokeAsync(configuration, cancellationToken).GetAwaiter().GetResult();
        }
        catch (RegistryConflictException e)
        {
            // Another writer got there first: nothing is wrong with the input, so it is a failure to retry.
            return Report(e, ExitCodes.Failure, "conflict");
        }
        catch (Exception e) when (e is BadInputException or RegistryException and not ArtifactCorruptedException or Hub.HubException { IsBadInput: true })
        {
            return Report(e, ExitCodes.BadInput);
        }
        catch (OperationCanceledException e)
        {
            return Report(e, ExitCodes.Interrupted, "interrupted");
        }
        catch (Exception e)
        {
            // Disk full, permissions, a diverged or refused run, a native error, or a bug (an ArgumentException from a
            // check a correct caller never fails among them): the message says what happened; files written so far are
            // whole (every write is temp + rename) and the last checkpoint is intact. --verbose shows where it happened.
            return Report(e, ExitCodes.Failure);
        }
    }

    /// <summary>
    /// An error about a word <paramref name="unknown"/> has already named: "Unrecognized command or argument" for it,
    /// a check of the option that took it as a value ("--data: /…/--tokenizr does not exist"), or the missing
    /// command after an unknown one.
    /// </summary>
    static bool ExplainedBy(UnknownWords unknown, System.CommandLine.Parsing.ParseError error) =>
        UnrecognizedToken().Match(error.Message) is { Success: true } match ? unknown.Explained.Contains(match.Groups["token"].Value)
        : error.SymbolResult is System.CommandLine.Parsing.OptionResult option
            ? option.Tokens.Any(token => unknown.Explained.Contains(token.Value) && error.Message.Contains(token.Value, StringComparison.Ordinal))
        : unknown.NamedUnknownCommand && error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"^Unrecognized command or argument '(?<token>.*)'\.?$")]
    private static partial System.Text.RegularExpressions.Regex UnrecognizedToken();

    /// <summary>
    /// A value that does not convert, in the user's words rather than .NET's: "--batch-size: expected a whole number,
    /// found '1.5'" for System.CommandLine's "Cannot parse argument '1.5' for option '--batch-size' as expected type
    /// 'System.Int32'"; an argument is named with its command. Other parse errors are as System.CommandLine words them.
    /// </summary>
    static string Described(System.CommandLine.Parsing.ParseError error)
    {
        // "Argument 'alpaca' not recognized. Must be one of: …" names neither the option nor the choices on one line.
        if (NotAmongChoices().Match(error.Message) is { Success: true } refused)
        {
            var choices = System.Text.RegularExpressions.Regex.Matches(error.Message[refused.Length..], "'([^']*)'").Select(choice => choice.Groups[1].Value);
            var given = error.SymbolResult switch
            {
                System.CommandLine.Parsing.OptionResult option => option.Option.Name,
                System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult option } => option.Option.Name,
                System.CommandLine.Parsing.ArgumentResult bare => $"argument '{bare.Argument.Name}'",
                _ => "the value",
            };
            return $"{given}: '{refused.Groups["value"].Value}' is not one of {string.Join(", ", choices)}";
        }
        var match = UnparsableValue().Match(error.Message);
        if (!match.Success) return error.Message;
        var type = match.Groups["type"].Value;
        var value = match.Groups["value"].Value;
        var valueType = error.SymbolResult switch
        {
            System.CommandLine.Parsing.OptionResult option => option.Option.ValueType,
            System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult option } => option.Option.ValueType,
            System.CommandLine.Parsing.ArgumentResult bare => bare.Argument.ValueType,
            _ => null,
        };
        valueType = valueType is null ? null : Nullable.GetUnderlyingType(valueType) ?? valueType;
        var whole = type.Contains("Int32") || type.Contains("Int64");
        // A whole number too large for the option is a whole number all the same: its limit is what is wrong.
        var expected = whole && System.Numerics.BigInteger.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? $"a whole number from {(type.Contains("Int64") ? long.MinValue : int.MinValue):N0} to {(type.Contains("Int64") ? long.MaxValue : int.MaxValue):N0}"
            // An enumeration's own names, as the user types them, not its .NET type's.
            : valueType is { IsEnum: true } ? "one of " + string.Join(", ", Enum.GetNames(valueType).Select(name => name.ToLowerInvariant()))
            : whole ? "a whole number"
            : type.Contains("Double") || type.Contains("Single") || type.Contains("Decimal") ? "a number"
            : type.Contains("Boolean") ? "true or false"
            : type.Contains("DateTime") ? "a date and time"
            : "a " + type.Split('.', '[', ']', '`').Last(part => part.Length > 0);
        var where = error.SymbolResult is System.CommandLine.Parsing.ArgumentResult argument && match.Groups["kind"].Value == "command"
            ? $"argument '{argument.Argument.Name}' of '{match.Groups["name"].Value}'"
            : match.Groups["name"].Value;
        return $"{where}: expected {expected}, found '{value}'";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<kind>command|option) '(?<name>[^']+)' as expected type '(?<type>[^']+)'\.?( Did you mean one of the following\?[\s\S]*)?$")]
    private static partial System.Text.RegularExpressions.Regex UnparsableValue();

    [System.Text.RegularExpressions.GeneratedRegex(@"^Argument '(?<value>[^']*)' not recognized\. Must be one of:")]
    private static partial System.Text.RegularExpressions.Regex NotAmongChoices();

    /// <summary>
    /// A recipe key's error as the user typed it: when an option of the command sets that key (its help says
    /// "[recipe key: …]") and was given, the option and its value lead, e.g. "--max-steps 0 (training.max_steps): …".
    /// </summary>
    static string NamedByOption(ParseResult parseResult, RecipeException error)
    {
        var given = parseResult.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .FirstOrDefault(option => !option.Implicit && option.Tokens.Count > 0 && option.Option.Description?.Contains($"[recipe key: {error.KeyPath}]") == true);
        return given is null ? error.Message : $"{given.Option.Name} {given.Tokens[0].Value} ({error.KeyPath}): {error.Problem}";
    }
}
