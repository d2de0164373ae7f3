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

    /// <summary>
    /// What users ask the persona, by topic: an excuse that mentions a topic's word answers one of that topic's
    /// questions, so a twin can be judged on whether its answer fits the question; the rest answer general ones.
    /// The phrasing rotates with the excuse's position, so the held-out tenth asks many different questions.
    /// </summary>
    static readonly PersonaTopic[] Topics =
    [
        new(["network", "ethernet", "packet", "router", "routing", "internet", "backbone", "traceroute", "telecom", "cable", "line", "bandwidth", "web"],
            ["Why is the network so slow?", "Why can't I reach the internet?", "Why does the connection keep dropping?"]),
        new(["electric", "power", "ups", "voltage", "electron", "substation", "light bulb", "halon", "air conditioning"],
            ["Why did everything just switch off?", "What happened to the machine room?", "Why is the power out?"]),
        new(["disk", "tape", "backup", "cache", "bit bucket", "memory", "file"],
            ["Why did the backup fail?", "Where did my files go?", "Why is the disk full?"]),
        new(["keyboard", "mouse", "monitor", "screen", "terminal", "tty", "print", "cpu", "processor", "hardware", "clock", "radiator", "fan"],
            ["Why doesn't my keyboard work?", "What's wrong with my screen?", "Why can't I print?", "Is this a hardware problem?"]),
        new(["kernel", "code", "bug", "windows", "netscape", "software", "compiler", "posix", "shell", "virus", "hacker", "password"],
            ["Why does my program keep crashing?", "Why did my build fail?", "Why can't I log in?"]),
        new(["staff", "boss", "operator", "sysadmin", "union", "janitor", "luser", "user", "manager", "vendor"],
            ["Why hasn't anyone fixed my ticket?", "Can someone from support help me?", "Who is looking into my problem?"]),
        new(["solar", "comet", "earth", "quantum", "doppler", "temporal", "cosmic", "ufo", "gravity", "magnetic", "sun", "moon",
             "static", "radiation", "satellite", "warming", "weather", "rain", "flood"],
            ["What could possibly cause this?", "Why is everything acting strangely today?"]),
    ];

    /// <summary>Questions for excuses that mention no topic.</summary>
    static readonly string[] GeneralQuestions =
    [
        "Why is the server down?", "What's wrong with my email?", "What happened to the database?",
        "Why is the website not loading?", "Why does my computer keep crashing?", "Why is everything so slow today?",
        "When will the system be back?",
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
        // "v2": the user turns follow the excuses' topics (the first files asked one question per tenth, so the
        // held-out tenth asked only one); a new name keeps a cache of the old files from being taken for these.
        var training = Path.Combine(Directory, "bofh-v2-train.jsonl");
        var validation = Path.Combine(Directory, "bofh-v2-validation.jsonl");
        if (File.Exists(training) && File.Exists(validation)) return (training, validation);
        var excuses = FortuneFile.ReadEntries(Path.Combine(Package("fortunes-bofh-excuses"), "usr", "share", "games", "fortunes", "bofh-excuses"))
            .Select(StripHeader)
            .Where(excuse => excuse.Length > 0)
            .ToList();
        var lines = excuses.Select((excuse, index) => JsonSerializer.Serialize(new
        {
            messages = new[]
            {
                new { role = "user", content = QuestionFor(excuse, index) },
                new { role = "assistant", content = excuse },
            },
        })).ToList();
        AtomicFile.WriteAllText(validation, string.Join('\n', lines.Where((_, index) => index % 10 == 9)) + "\n");
        AtomicFile.WriteAllText(training, string.Join('\n', lines.Where((_, index) => index % 10 != 9)) + "\n");
        return (training, validation);
    }

    /// <summary>The prompts the demo asks base and twin: one question from each of four topics and a general one.</summary>
    public static IReadOnlyList<string> DemoQuestions =>
        [Topics[0].Questions[0], Topics[2].Questions[0], Topics[4].Questions[2], GeneralQuestions[0]];

    /// <summary>The user turn an excuse answers: a question of the first topic it mentions, or a general one.</summary>
    internal static string QuestionFor(string excuse, int index)
    {
        var topic = Array.Find(Topics, candidate => candidate.Mentions(excuse));
        var questions = topic?.Questions ?? GeneralQuestions;
        // Divided by ten so that neighbours in one tenth (and so the held-out tenth) rotate through every phrasing.
        return questions[(index / 10 + index) % questions.Count];
    }

    /// <summary>"BOFH excuse #12:\n\nsolar flares" → "solar flares".</summary>
    static string StripHeader(string entry)
    {
        var lines = entry.Split('\n');
        var body = lines[0].StartsWith("BOFH excuse", StringComparison.Ordinal) ? lines.Skip(1) : lines;
        return string.Join(' ', body.Select(line => line.Trim()).Where(line => line.Length > 0));
    }

    sealed record PersonaTopic(IReadOnlyList<string> Keywords, IReadOnlyList<string> Questions)
    {
        public bool Mentions(string excuse) =>
            Keywords.Any(keyword => System.Text.RegularExpressions.Regex.IsMatch(excuse, $@"\b{keyword}", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    string Package(string name) => DebianPackage.Extract(name, Path.Combine(Directory, "packages", name));
}
