using System.Text.Json;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Engine;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// What the command line evaluates twins against, from Debian packages like the corpora: five other "authors" for the
/// stylometric judge (the fortune collections' quotations, the anarchism quotations, Bierce's Devil's Dictionary, the
/// Jargon File and Jane Austen's novels: prose of distinct voices, from quips to novels), and the general-English text
/// the built-in bases held out (the fortunes' held-out documents, never trained on by either base) for forgetting.
/// Read once and cached under the corpora directory.
/// </summary>
public static class BuiltInEvaluationSources
{
    const string Version = "v1";

    /// <summary>The sources of the English corpus read as other authors, by their corpus names.</summary>
    static readonly string[] Authors = ["anarchism-fortunes", "devils-dictionary", "jargon-file", "austen"];

    /// <summary>Texts kept per author, evenly spread: far more than the judge's chunks need, a bounded cache.</summary>
    const int TextsPerAuthor = 600;

    public static EvaluationSources Load(string cacheRoot)
    {
        var corpora = new BuiltInCorpora(cacheRoot);
        var legacy = LegacyGeneralEnglishSplit.Of(corpora.GeneralEnglish());
        var general = Path.Combine(corpora.Directory, $"evaluation-general-english-{Version}.txt");
        if (!File.Exists(general)) AtomicFile.WriteAllText(general, string.Concat(legacy.HeldOut.Select(document => document + "\n%\n")));
        return new EvaluationSources(OtherAuthors(corpora, legacy), general, "%");
    }

    static IReadOnlyDictionary<string, IReadOnlyList<string>> OtherAuthors(BuiltInCorpora corpora, LegacyGeneralEnglishSplit legacy)
    {
        var cached = Path.Combine(corpora.Directory, $"evaluation-authors-{Version}.json");
        if (File.Exists(cached))
        {
            try
            {
                if (JsonSerializer.Deserialize<Dictionary<string, List<string>>>(File.ReadAllText(cached)) is { Count: > 0 } read)
                    return read.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value);
            }
            catch (JsonException)
            {
                // A damaged cache (written atomically, so only by hand or a failing disk) is read again from the packages.
            }
        }
        var heldOut = legacy.HeldOutIndices.ToHashSet();
        var authors = new Dictionary<string, List<string>>
        {
            // The fortunes the bases trained on, not the held-out ones forgetting is measured on.
            ["fortunes"] = Spread(legacy.Documents.Where((_, index) => !heldOut.Contains(index)).Select(ProseNormalizer.Normalize)),
        };
        foreach (var name in Authors)
        {
            var source = EnglishCorpusSources.All.Single(candidate => candidate.Name == name);
            var roots = source.Packages.ToDictionary(package => package, package => DebianPackage.Extract(package, Path.Combine(corpora.Directory, "packages", package)));
            authors[name] = Spread(source.Read(new SourcePackages(roots, legacy)).Select(ProseNormalizer.Normalize));
        }
        AtomicFile.WriteAllText(cached, JsonSerializer.Serialize(authors));
        return authors.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value);
    }

    static List<string> Spread(IEnumerable<string> texts)
    {
        var all = texts.Where(text => text.Length > 0).ToList();
        return EvenSpread.Of(all, TextsPerAuthor).ToList();
    }
}
