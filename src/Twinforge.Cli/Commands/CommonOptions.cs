using System.CommandLine;
using Twinforge.Cli.BuiltIn;

namespace Twinforge.Cli.Commands;

/// <summary>Options several commands share, so they are spelled and explained the same everywhere.</summary>
public static class CommonOptions
{
    public static Option<DirectoryInfo> Cache() => new("--cache")
    {
        Description = "Where built-in corpora and base models are kept and reused [default: $TWINFORGE_CACHE or ~/.cache/twinforge]",
    };

    public static Option<bool> Plain() => new("--plain")
    {
        Description = "Plain log lines instead of a live progress bar (automatic when output is not a terminal or CI is set) [default: off]",
    };

    /// <summary>Given on the root and so accepted by every command: see <see cref="CommandRunner"/>.</summary>
    public static Option<bool> Verbose() => new(CommandRunner.VerboseOptionName)
    {
        Description = "On an error, print the whole exception with its stack trace, not only its message [default: off]",
        Recursive = true,
    };

    public static Option<string> Size()
    {
        var size = new Option<string>("--size")
        {
            Description = "Built-in base model size: english (12.6 M parameters, a vocabulary learned from the 57 MB English corpus; shipped " +
                          "pre-trained with the program, else 1.5 hours of pre-training on 2 cores), standard (byte-level, a few minutes of " +
                          "pre-training) or tiny (seconds, for tests); the default is english when it ships pre-trained, else standard",
            DefaultValueFactory = _ => BuiltInModelSize.Default().Name,
        };
        size.AcceptOnlyFromAmong([.. BuiltInModelSize.All.Select(known => known.Name)]); // a wrong size is named with the option
        return size;
    }

    /// <summary>How plain-text documents are separated: <c>--separator %</c> (the built-in corpora's), else blank lines.</summary>
    public static Option<string> PlainTextSeparator()
    {
        var separator = new Option<string>("--separator")
        {
            Description = "Plain text: a line holding only this separates documents (the built-in corpora use %) [default: a blank line]",
        };
        separator.Validators.Add(given =>
        {
            if (given.Tokens.Count > 0 && string.IsNullOrWhiteSpace(given.Tokens[0].Value))
                given.AddError("--separator: must be visible text such as %; leave it out for blank lines between documents");
        });
        return separator;
    }
}
