using System.Text;
using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// The corpora the built-in demo uses, made from Debian packages so a fresh machine needs no downloads beyond its
/// own package registry: general English from the <c>fortunes</c> collections (quotations, jokes, literature,
/// science — about 2.8 MB), and one persona's voice from <c>fortunes-bofh-excuses</c> (the Bastard Operator From
/// Hell's ~450 excuses), turned into chat data: a user reports a problem, the persona answers with an excuse.
/// </summary>
public sealed class BuiltInCorpora(string cacheRoot)
{
    /// <summary>Fortune files that are not prose: pictures drawn in characters, and untranslated text.</summary>
    static readonly string[] NotProse = ["ascii-art", "translate-me"];

    /// <summary>What users ask the persona; each excuse is paired with one, in turn.</summary>
    static readonly string[] Questions =
    [
        "Why is the server down?", "What's wrong with my email?", "Why is the network so slow?", "Why can't I print?",
        "What happened to the database?", "Why did my build fail?", "Why is the website not loading?", "Why did the backup fail?",
        "Why does my computer keep crashing?", "Why can't I log in?",
    ];

    public string Directory { get; } = Path.Combine(cacheRoot, "corpora");

    /// <summary>One plain-text file of general English, documents separated by <c>%</c> lines.</summary>
    public string GeneralEnglish()
    {
        var path = Path.Combine(Directory, "general-english.txt");
        if (File.Exists(path)) return path;
        var files = new[] { "fortunes", "fortunes-min" }
            .SelectMany(package => System.IO.Directory.GetFiles(Path.Combine(Package(package), "usr", "share", "games", "fortunes")))
            .Where(file => Path.GetExtension(file) is "" && !NotProse.Contains(Path.GetFileName(file)))
            .Order(StringComparer.Ordinal)
            .ToList();
        var text = new StringBuilder();
        foreach (var entry in files.SelectMany(FortuneFile.ReadEntries).Distinct())
            text.Append(entry).Append("\n%\n");
        AtomicFile.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>The persona's chat data: a training file and a fixed held-out file (every tenth exchange).</summary>
    public (string Training, string Validation) Creator()
    {
        var training = Path.Combine(Directory, "bofh-train.jsonl");
        var validation = Path.Combine(Directory, "bofh-validation.jsonl");
        if (File.Exists(training) && File.Exists(validation)) return (training, validation);
        var excuses = FortuneFile.ReadEntries(Path.Combine(Package("fortunes-bofh-excuses"), "usr", "share", "games", "fortunes", "bofh-excuses"))
            .Select(StripHeader)
            .Where(excuse => excuse.Length > 0)
            .ToList();
        var lines = excuses.Select((excuse, index) => JsonSerializer.Serialize(new
        {
            messages = new[]
            {
                new { role = "user", content = Questions[index % Questions.Length] },
                new { role = "assistant", content = excuse },
            },
        })).ToList();
        AtomicFile.WriteAllText(validation, string.Join('\n', lines.Where((_, index) => index % 10 == 9)) + "\n");
        AtomicFile.WriteAllText(training, string.Join('\n', lines.Where((_, index) => index % 10 != 9)) + "\n");
        return (training, validation);
    }

    /// <summary>The prompts the demo asks base and twin: the persona's questions.</summary>
    public static IReadOnlyList<string> DemoQuestions => Questions.Take(4).ToList();

    /// <summary>"BOFH excuse #12:\n\nsolar flares" → "solar flares".</summary>
    static string StripHeader(string entry)
    {
        var lines = entry.Split('\n');
        var body = lines[0].StartsWith("BOFH excuse", StringComparison.Ordinal) ? lines.Skip(1) : lines;
        return string.Join(' ', body.Select(line => line.Trim()).Where(line => line.Length > 0));
    }

    string Package(string name) => DebianPackage.Extract(name, Path.Combine(Directory, "packages", name));
}
