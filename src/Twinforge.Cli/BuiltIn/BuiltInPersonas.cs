using System.Text.Json;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Engine;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Cli.BuiltIn;

/// <summary>A creator's chat data: what they are asked and how they answer, with a fixed held-out tenth.</summary>
public sealed record Persona(string Name, string Description, string Training, string Validation);

/// <summary>
/// The personas the built-in studies compare settings on: the demo's (the Bastard Operator From Hell's excuses) and
/// two more from other Debian text collections, made the same way — a user asks, the persona answers in its own
/// words — and of the same size (at most <see cref="MaxConversations"/> exchanges, evenly spread over the collection),
/// so a setting's cost and effect compare across them: Ambrose Bierce's Devil's Dictionary (asked what a word means,
/// answering with his cynical definition) and the Jargon File (asked what a hacker term means). Both collections are
/// also in the English base's pre-training corpus (the base has read them once, among 57 MB; the persona is what the
/// twin must bring back), which the BOFH excuses are not.
/// </summary>
public sealed class BuiltInPersonas(string cacheRoot)
{
    /// <summary>Exchanges per persona: the demo persona has 453.</summary>
    public const int MaxConversations = 450;

    /// <summary>Definitions longer than this many words are left out: the personas answer in a few sentences, as the demo's does.</summary>
    const int MaxAnswerWords = 25;

    readonly BuiltInCorpora corpora = new(cacheRoot);

    public IReadOnlyList<Persona> All() =>
    [
        Bofh(),
        Dictionary("bierce", "Ambrose Bierce's Devil's Dictionary (dict-devil): asked what a word means, he defines it", "dict-devil", "devil", Bierce),
        Dictionary("jargon", "the Jargon File (dict-jargon): asked what a hacker's term means, it explains", "dict-jargon", "jargon", Jargon),
    ];

    /// <summary>Exchanges of the large creator: enough text (hundreds of thousands of tokens) for training from scratch to catch up.</summary>
    public const int MaxLargeConversations = 6000;

    const int MaxLargeAnswerWords = 30;

    /// <summary>
    /// A creator with far more text than the personas, kept out of the English base's corpus: Vim's help (vim-runtime,
    /// OPL-1+), asked about a topic or a command, answering with the manual's own paragraph. What the data-efficiency
    /// study needs for training from scratch to reach fine-tuning's figures on the creator's own data.
    /// </summary>
    public Persona Vim()
    {
        var training = Path.Combine(corpora.Directory, "vim-v1-train.jsonl");
        var validation = Path.Combine(corpora.Directory, "vim-v1-validation.jsonl");
        if (!File.Exists(training) || !File.Exists(validation))
        {
            var root = DebianPackage.Extract("vim-runtime", Path.Combine(corpora.Directory, "packages", "vim-runtime"));
            var documentation = Directory.GetDirectories(Path.Combine(root, "usr", "share", "vim"), "vim*").Select(d => Path.Combine(d, "doc")).Single(Directory.Exists);
            var passages = Directory.GetFiles(documentation, "*.txt").Order(StringComparer.Ordinal)
                .Where(file => !Path.GetFileName(file).StartsWith("version", StringComparison.Ordinal))
                .SelectMany(VimHelpText.Read)
                // Short enough for a conversation to fit the byte-level bases' 256 positions as well as the English base's.
                .Where(passage => passage.Text.Split(' ').Length <= MaxLargeAnswerWords)
                .DistinctBy(passage => passage.Text)
                .ToList();
            var lines = EvenSpread.Of(passages, MaxLargeConversations).Select((passage, index) =>
            {
                string[] questions = passage.IsCommand
                    ? [$"What does {passage.Topic} do in Vim?", $"How do I use {passage.Topic}?", $"Explain {passage.Topic} in Vim."]
                    : [$"Tell me about {passage.Topic} in Vim.", $"What should I know about {passage.Topic}?", $"How does {passage.Topic} work in Vim?"];
                return JsonSerializer.Serialize(new
                {
                    messages = new[] { new { role = "user", content = questions[index % questions.Length] }, new { role = "assistant", content = passage.Text } },
                });
            }).ToList();
            AtomicFile.WriteAllText(validation, string.Join('\n', lines.Where((_, index) => index % 20 == 19).Take(300)) + "\n");
            AtomicFile.WriteAllText(training, string.Join('\n', lines.Where((_, index) => index % 20 != 19)) + "\n");
        }
        return new Persona("vim", "Vim's help (vim-runtime, OPL-1+): asked about a topic or command, it answers with the manual's paragraph", training, validation);
    }

    public Persona Bofh()
    {
        var (training, validation) = corpora.Creator();
        return new Persona("bofh", "the Bastard Operator From Hell (fortunes-bofh-excuses): asked why something broke, he gives an excuse", training, validation);
    }

    Persona Dictionary(string name, string description, string package, string database, Func<string, int, (string Question, string Answer)?> exchange)
    {
        var training = Path.Combine(corpora.Directory, $"{name}-v1-train.jsonl");
        var validation = Path.Combine(corpora.Directory, $"{name}-v1-validation.jsonl");
        if (!File.Exists(training) || !File.Exists(validation))
        {
            var root = DebianPackage.Extract(package, Path.Combine(corpora.Directory, "packages", package));
            var exchanges = DictdDatabase.ReadEntries(Path.Combine(root, "usr", "share", "dictd", database))
                .Select((entry, index) => exchange(entry, index))
                .OfType<(string Question, string Answer)>()
                .ToList();
            var lines = EvenSpread.Of(exchanges, MaxConversations).Select(pair => JsonSerializer.Serialize(new
            {
                messages = new[] { new { role = "user", content = pair.Question }, new { role = "assistant", content = pair.Answer } },
            })).ToList();
            AtomicFile.WriteAllText(validation, string.Join('\n', lines.Where((_, index) => index % 10 == 9)) + "\n");
            AtomicFile.WriteAllText(training, string.Join('\n', lines.Where((_, index) => index % 10 != 9)) + "\n");
        }
        return new Persona(name, description, training, validation);
    }

    /// <summary>"ABSOLUTE, adj. Independent, irresponsible. …" answers a question about "absolute".</summary>
    static (string, string)? Bierce(string entry, int index)
    {
        var text = ProseNormalizer.Normalize(DevilsDictionaryEntry.ToText(entry));
        int comma = text.IndexOf(',');
        if (comma <= 0 || !IsShort(text)) return null;
        var word = text[..comma].Trim();
        if (word.Length == 0 || word.Any(char.IsLower)) return null;
        word = word.ToLowerInvariant();
        string[] questions = [$"What does \"{word}\" mean?", $"Define \"{word}\".", $"What is your definition of \"{word}\"?"];
        return (questions[index % questions.Length], text);
    }

    /// <summary>An entry's first paragraph answers a question about its headword (the entry's first line).</summary>
    static (string, string)? Jargon(string entry, int index)
    {
        var headword = entry.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.Length > 0);
        var answer = ProseNormalizer.Normalize(JargonFileEntry.ToText(entry)).Split("\n\n")[0].Trim();
        if (headword is null || headword.Length > 40 || !IsShort(answer) || answer.Split(' ').Length < 5) return null;
        string[] questions = [$"What does \"{headword}\" mean?", $"What is \"{headword}\" in hacker slang?", $"Explain \"{headword}\"."];
        return (questions[index % questions.Length], answer);
    }

    static bool IsShort(string text) => text.Length > 0 && text.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Length <= MaxAnswerWords;
}
