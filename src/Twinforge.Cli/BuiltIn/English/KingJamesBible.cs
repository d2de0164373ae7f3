using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The King James Bible, one chapter a document, one verse a line. bible-kjv-text keeps the text in a compressed
/// format of its own (usr/lib/bible.data); the <c>bible</c> program of bible-kjv, run from where it was extracted
/// (not installed), prints it: with pretty-printing off (<c>-f</c>) one verse a line, "Ge1:1 In the beginning …".
/// </summary>
public static partial class KingJamesBible
{
    /// <summary>Every chapter, in order.</summary>
    /// <param name="programPackage">The extracted bible-kjv package (usr/bin/bible).</param>
    /// <param name="textPackage">The extracted bible-kjv-text package (usr/lib/bible.data).</param>
    /// <param name="libraryDirectories">Where the program's shared libraries may be, if the system lacks them (readline).</param>
    public static List<string> Chapters(string programPackage, string textPackage, IReadOnlyList<string> libraryDirectories)
    {
        var program = Path.Combine(programPackage, "usr", "bin", "bible");
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = textPackage,
        };
        foreach (var argument in new[] { "-f", "-p", Path.Combine(textPackage, "usr", "lib"), "Gen1:1-Rev22:21" }) start.ArgumentList.Add(argument);
        if (libraryDirectories.Count > 0)
        {
            var existing = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            start.Environment["LD_LIBRARY_PATH"] = string.Join(':', libraryDirectories.Append(existing).Where(path => !string.IsNullOrEmpty(path)));
        }
        List<string> lines;
        string error;
        try
        {
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var errorTask = process.StandardError.ReadToEndAsync();
            lines = [];
            while (process.StandardOutput.ReadLine() is { } line) lines.Add(line);
            process.WaitForExit();
            error = errorTask.Result;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{program} exited with code {process.ExitCode}: {error.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{program} could not be started to read the King James Bible: {exception.Message}", exception);
        }
        var chapters = ChaptersOf(lines);
        if (chapters.Count == 0)
            throw new InvalidOperationException($"{program} printed no verse of the King James Bible: {error.Trim()}");
        return chapters;
    }

    /// <summary>Groups "Book Chapter:Verse text" lines into chapters of verse lines; other lines are not verses and are skipped.</summary>
    public static List<string> ChaptersOf(IEnumerable<string> lines)
    {
        var chapters = new List<string>();
        var verses = new List<string>();
        string? chapter = null;
        foreach (var line in lines)
        {
            var match = Verse().Match(line);
            if (!match.Success) continue;
            var key = match.Groups[1].Value;
            if (key != chapter && verses.Count > 0)
            {
                chapters.Add(string.Join('\n', verses));
                verses.Clear();
            }
            chapter = key;
            verses.Add(match.Groups[2].Value.Trim());
        }
        if (verses.Count > 0) chapters.Add(string.Join('\n', verses));
        return chapters;
    }

    /// <summary>"1Co13:4 Charity suffereth long" → ("1Co13", "Charity suffereth long").</summary>
    [GeneratedRegex(@"^(\d?[A-Za-z]+\d+):\d+\s+(.*)$")]
    private static partial Regex Verse();
}
