using System.CommandLine;
using System.CommandLine.Parsing;

namespace Twinforge.Cli;

/// <summary>
/// The options and commands a command line names that Twinforge does not have, in words that say so and suggest the
/// nearest one: "unknown option '--nmae' for 'twin create'; did you mean '--name'?". System.CommandLine's own error
/// for a misspelt option is often about something else: where the command takes an argument (a twin's NAME, the text
/// to speak) the misspelt option is bound to it, and the complaint is about the option's value that follows.
/// </summary>
internal sealed class UnknownWords
{
    /// <summary>The messages, one per unknown word, in the order given.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>
    /// The tokens those messages explain — each unknown word and the value that followed an unknown option — so that
    /// System.CommandLine's "Unrecognized command or argument" errors about them are not repeated.
    /// </summary>
    public IReadOnlySet<string> Explained { get; }

    /// <summary>An unknown command was named, so "Required command was not provided" says nothing more.</summary>
    public bool NamedUnknownCommand { get; }

    UnknownWords(IReadOnlyList<string> messages, IReadOnlySet<string> explained, bool namedUnknownCommand) =>
        (Messages, Explained, NamedUnknownCommand) = (messages, explained, namedUnknownCommand);

    public static UnknownWords In(ParseResult result, IReadOnlyList<string> args)
    {
        var command = result.CommandResult;
        var afterDoubleDash = args.SkipWhile(arg => arg != "--").Skip(1).ToHashSet();
        var unmatched = result.UnmatchedTokens.ToHashSet();
        var boundToArgument = command.Children.OfType<ArgumentResult>().SelectMany(argument => argument.Tokens).Select(token => token.Value).ToHashSet();
        // An option that takes several values a token (--data a.jsonl b.jsonl) takes a misspelt option after them too.
        var boundToList = command.Children.OfType<OptionResult>().Where(option => option.Option.AllowMultipleArgumentsPerToken)
            .SelectMany(option => option.Tokens).Select(token => token.Value).ToHashSet();
        bool Stray(string token) => !afterDoubleDash.Contains(token) && (unmatched.Contains(token) || boundToArgument.Contains(token) || boundToList.Contains(token));

        var messages = new List<string>();
        var explained = new HashSet<string>();
        var namedUnknownCommand = false;
        for (var i = 0; i < args.Count && args[i] != "--"; i++)
        {
            var token = args[i];
            if (!Stray(token) || explained.Contains(token)) continue;
            // What follows an unknown command was meant for it.
            if (namedUnknownCommand && unmatched.Contains(token))
            {
                explained.Add(token);
                continue;
            }
            if (LooksLikeOption(token) && OptionNamesFor(command).Contains(token)
                && command.Children.OfType<OptionResult>().FirstOrDefault(option => option.Tokens.Any(value => value.Value == token)) is { } taker)
            {
                // A known option taken as the value of the one before it, which was given none ("--input --vocab-size 300").
                messages.Add($"{taker.Option.Name} was given no value: it took the next option, '{token}', as one; give {taker.Option.Name} its value first");
                explained.Add(token);
                // And that option's value, if it took that too (a list option does): it was meant for the option.
                if (i + 1 < args.Count && !LooksLikeOption(args[i + 1]) && taker.Tokens.Any(value => value.Value == args[i + 1])) explained.Add(args[i + 1]);
            }
            else if (LooksLikeOption(token))
            {
                var name = token.Split('=', ':')[0];
                // Bound to the command's argument, it may have been meant as one: say how to give such a value.
                var asArgument = boundToArgument.Contains(token) ? $" (a value that starts with '-' goes after '--': {PathOf(command)} -- {token})" : "";
                messages.Add($"unknown option '{name}' for '{PathOf(command)}'{Suggestion(name, OptionNamesFor(command))}{asArgument}");
                explained.Add(token);
                // Its value was meant for it, not for the command or the option before it.
                if (i + 1 < args.Count && !LooksLikeOption(args[i + 1]) && Stray(args[i + 1])) explained.Add(args[i + 1]);
            }
            else if (!namedUnknownCommand && command.Command.Subcommands.Count > 0 && unmatched.Contains(token))
            {
                var commands = command.Command.Subcommands.Where(sub => !sub.Hidden).Select(sub => sub.Name).ToList();
                var suggestion = Suggestion(token, commands);
                messages.Add($"'{token}' is not a command of '{PathOf(command)}'" +
                             (suggestion.Length > 0 ? suggestion : $"; its commands: {string.Join(", ", commands)}"));
                explained.Add(token);
                namedUnknownCommand = true;
            }
        }
        return new UnknownWords(messages, explained, namedUnknownCommand);
    }

    /// <summary>A word that starts like an option: "-x" or "--name", not a negative number.</summary>
    static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && (char.IsLetter(token[1]) || token.Length > 2 && token[1] == '-' && char.IsLetter(token[2]));

    static string PathOf(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult each; result = each.Parent)
            names.Add(each.Parent is null ? "twinforge" : each.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The command's own options and those its ancestors give every command below them.</summary>
    static IReadOnlyList<string> OptionNamesFor(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult each; result = each.Parent)
            foreach (var option in each.Command.Options.Where(option => !option.Hidden && (each == command || option.Recursive)))
                names.AddRange([option.Name, .. option.Aliases]);
        return names;
    }

    /// <summary>
    /// "; did you mean 'X'?" for the known names closest to <paramref name="given"/> (at most a third of its letters
    /// changed, and at most 3), or those it begins; "" when none is near.
    /// </summary>
    static string Suggestion(string given, IReadOnlyList<string> known)
    {
        var bare = given.TrimStart('-').ToLowerInvariant();
        var scored = known.Distinct()
            .Select(name => (Name: name, Distance: bare.Length >= 3 && name.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase)
                ? 0 : EditDistance(bare, name.TrimStart('-').ToLowerInvariant())))
            .Where(candidate => candidate.Distance <= Math.Min(3, Math.Max(1, bare.Length / 3)))
            .ToList();
        if (scored.Count == 0) return "";
        var best = scored.Min(candidate => candidate.Distance);
        var nearest = scored.Where(candidate => candidate.Distance == best).Select(candidate => $"'{candidate.Name}'").Take(3).ToList();
        return $"; did you mean {string.Join(" or ", nearest)}?";
    }

    /// <summary>Edits from one to the other: insertions, deletions, substitutions and swaps of neighbours ("tiwn").</summary>
    static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
        {
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }
}
