using System.CommandLine;
using System.Globalization;
using System.Numerics;
using Twinforge.Engine;

namespace Twinforge.Cli.Commands;

/// <summary>
/// Checks of what an option names, made where the command line is read, so that a directory given for a file, an
/// output that cannot be a directory, or a number out of range fails at once as bad input naming the option and the
/// value, before a model is loaded or anything is written, rather than later as an operating-system error.
/// </summary>
/// <example><code>var data = new Option&lt;FileInfo[]&gt;("--data").AcceptOnlyFiles("a data file", mustExist: true);</code></example>
public static class OptionChecks
{
    /// <summary>
    /// Every path the option is given must not be a directory, and with <paramref name="mustExist"/> must be a file
    /// that exists. <paramref name="what"/> names the file expected: "a recipe file (.yaml, .yml or .json)".
    /// </summary>
    public static Option<T> AcceptOnlyFiles<T>(this Option<T> option, string what, bool mustExist = false)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue(result, out T value)) return;
            foreach (var path in Paths(value))
                if (FileProblem(path, what, mustExist) is { } problem) result.AddError($"{option.Name}: {problem}");
        });
        return option;
    }

    /// <summary>What is wrong with <paramref name="path"/> as a file to read, or null.</summary>
    public static string? FileProblem(string path, string what, bool mustExist)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath)) return $"{fullPath} is a directory, not {what}";
        return mustExist && !File.Exists(fullPath) ? $"{fullPath} does not exist" : null;
    }

    /// <summary>
    /// Throws <see cref="BadInputException"/> when <paramref name="path"/> cannot be the directory a command creates or
    /// fills: it is a file, a file stands where one of its parent directories would be, or the nearest directory that
    /// exists cannot be written (a read-only place such as /sys, or one the user may not write) — said before any work.
    /// </summary>
    public static void RequireOutputDirectory(string path, string optionName)
    {
        var fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath))
            throw new BadInputException($"{optionName}: {fullPath} is a file, not a directory: choose a directory for the output");
        for (var parent = Path.GetDirectoryName(fullPath); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent))
            {
                RequireWritable(parent, fullPath, optionName);
                return;
            }
            if (File.Exists(parent)) throw new BadInputException($"{optionName}: {fullPath} cannot be created: {parent} is a file");
        }
    }

    /// <summary>
    /// A directory a command writes whole and swaps into place, deleting what stood there: it must be new or empty, or
    /// hold only <paramref name="ownFiles"/> (an earlier <paramref name="what"/>, replaced only with --force). Anything
    /// else in it — a user's notes, recordings — would be deleted with it: refused, naming it.
    /// </summary>
    /// <param name="what">What the command writes, with its article: "a tokenizer", "a voice".</param>
    public static void RequireReplaceable(string directory, bool force, IReadOnlyCollection<string> ownFiles, string what)
    {
        if (!Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any()) return;
        var others = Directory.EnumerateFileSystemEntries(directory).Select(path => Path.GetFileName(path)!)
            .Where(name => !ownFiles.Contains(name) || Directory.Exists(Path.Combine(directory, name))).Order(StringComparer.Ordinal).ToList();
        if (others.Count > 0)
            throw new BadInputException($"--output: {directory} holds files {what} is not ({string.Join(", ", others.Take(5))}" +
                                        $"{(others.Count > 5 ? $" and {others.Count - 5} more" : "")}): choose a new or empty directory");
        if (!force)
            throw new BadInputException($"--output: {directory} already holds {what}: add --force to replace it, or choose another --output");
    }

    /// <summary>
    /// A file a command writes: not a directory, in a folder that exists or can be made, and an existing file replaced
    /// only with --force (it may be the user's own: a recording, a report).
    /// </summary>
    public static void RequireOutputFile(string path, bool force, string optionName)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath)) throw new BadInputException($"{optionName}: {fullPath} is a directory: give the file to write");
        if (File.Exists(fullPath) && !force) throw new BadInputException($"{optionName}: {fullPath} exists; --force replaces it");
        RequireOutputDirectory(Path.GetDirectoryName(fullPath)!, optionName);
    }

    /// <summary>Outputs are written beside their destination and renamed into place, so its parent must take a new entry: tried.</summary>
    static void RequireWritable(string directory, string fullPath, string optionName)
    {
        var probe = Path.Combine(directory, $".twinforge-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new BadInputException($"{optionName}: {fullPath} cannot be written: {directory} does not let this user create anything in it", e);
        }
    }

    /// <summary>The option's value must be at least <paramref name="minimum"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out T value) && value < minimum) result.AddError($"{option.Name}: must be at least {Format(minimum)}, got {Format(value)}");
        });
        return option;
    }

    /// <summary>The option's value, when given, must be at least <paramref name="minimum"/>.</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out T? given) && given is { } value && value < minimum)
                result.AddError($"{option.Name}: must be at least {Format(minimum)}, got {Format(value)}");
        });
        return option;
    }

    /// <summary>The option's value, when given, must lie in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static Option<T?> Between<T>(this Option<T?> option, T minimum, T maximum) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out T? given) && given is { } value && (value < minimum || value > maximum))
                result.AddError($"{option.Name}: must be between {Format(minimum)} and {Format(maximum)}, got {Format(value)}");
        });
        return option;
    }

    /// <summary>The option's value must be a share in [0, 1).</summary>
    public static Option<double> Share(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out double value) && !(value is >= 0 and < 1)) result.AddError($"{option.Name}: must be in [0, 1), got {Format(value)}");
        });
        return option;
    }

    /// <summary>
    /// The option's value, or false when its text does not convert (1.5 for a whole number): the parser reports that
    /// itself, naming the option, and a validator that asked for the value anyway would crash the parse.
    /// </summary>
    static bool TryGetValue<T>(System.CommandLine.Parsing.OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>The option's value must be a fraction in [0, 1], both ends allowed (1: any share).</summary>
    public static Option<double> Fraction(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out double value) && !(value is >= 0 and <= 1)) result.AddError($"{option.Name}: must be in [0, 1], got {Format(value)}");
        });
        return option;
    }

    /// <summary>The option's value must be above zero.</summary>
    public static Option<double> Positive(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out double value) && !(value > 0)) result.AddError($"{option.Name}: must be above 0, got {Format(value)}");
        });
        return option;
    }

    /// <summary>The option's value, when given, must be above zero.</summary>
    public static Option<double?> Positive(this Option<double?> option)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out double? given) && given is { } value && !(value > 0)) result.AddError($"{option.Name}: must be above 0, got {Format(value)}");
        });
        return option;
    }

    static IEnumerable<string> Paths(object? value) => value switch
    {
        string path => [path],
        FileSystemInfo entry => [entry.FullName],
        IEnumerable<string> paths => paths,
        IEnumerable<FileSystemInfo> entries => entries.Select(entry => entry.FullName),
        _ => [],
    };

    static string Format<T>(T value) where T : INumber<T> => value.ToString(null, CultureInfo.InvariantCulture);
}
