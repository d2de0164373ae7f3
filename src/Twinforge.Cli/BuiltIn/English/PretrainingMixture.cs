using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// How much of each source of the English corpus the English base reads in pre-training: a weight per source, the
/// number of passes over its training documents (2 repeats every document twice, 0.25 keeps an evenly spread quarter
/// of them), as large pre-training runs weight their sources (the Pile's epochs per component). The corpus itself is
/// unchanged; the mixture is a file written beside it from the training file and the manifest's per-source document
/// counts (the training file keeps the sources' order), its documents shuffled with a fixed seed.
/// </summary>
/// <remarks>
/// Why not the corpus as it comes: two dictionaries (GCIDE, WordNet) are 58% of its bytes, and definitions are not the
/// running prose a twin writes; the first English run, on the corpus as it comes, learned them well (1.65 bits per byte
/// on the corpus's held-out) and the fortunes poorly (2.48). The weights below put conversation-like and literary prose
/// (fortunes, Austen, the Bible, the Devil's Dictionary) first and keep a slice of everything else.
/// </remarks>
public sealed class PretrainingMixture
{
    /// <summary>The English base's mixture.</summary>
    public static PretrainingMixture English { get; } = new(new Dictionary<string, double>
    {
        [EnglishCorpusSources.Fortunes] = 3, ["anarchism-fortunes"] = 2, ["devils-dictionary"] = 3, ["jargon-file"] = 1.5,
        ["foldoc"] = 0.25, ["gcide"] = 0.1, ["wordnet"] = 0.1, ["king-james-bible"] = 1, ["austen"] = 2,
        ["perl-doc"] = 0.25, ["gnu-standards"] = 1, ["debian-handbook"] = 1, ["debian-reference"] = 1, ["debian-faq"] = 1,
    });

    const int ShuffleSeed = 1;

    public PretrainingMixture(IReadOnlyDictionary<string, double> weights)
    {
        foreach (var (source, weight) in weights)
            if (!(weight >= 0) || double.IsInfinity(weight)) throw new ArgumentOutOfRangeException(nameof(weights), weight, $"the weight of '{source}' must be a finite number ≥ 0");
        Weights = weights;
    }

    /// <summary>Passes over each source's training documents; a source not named is left out.</summary>
    public IReadOnlyDictionary<string, double> Weights { get; }

    /// <summary>A short name for the weights, part of the mixture file's name and of the base's cache key.</summary>
    public string Key
    {
        get
        {
            var text = string.Join(" ", Weights.OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => pair.Key + "=" + pair.Value.ToString("R", CultureInfo.InvariantCulture)));
            return "mix-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8].ToLowerInvariant();
        }
    }

    /// <summary>The mixture's file for a corpus build (beside its training file, named by its weights and the training file's hash), written unless it exists.</summary>
    /// <exception cref="InvalidDataException">The training file's documents do not add up to the manifest's per-source counts.</exception>
    public string Write(string corpusDirectory, EnglishCorpusManifest manifest)
    {
        // The training file's hash in the name: a corpus rebuilt from newer packages never reuses an older mixture.
        var path = Path.Combine(corpusDirectory, $"{manifest.Version}-{Key}-{manifest.Train.Sha256[..8]}-train.txt");
        if (File.Exists(path)) return path;
        var trainPath = Path.Combine(corpusDirectory, manifest.Train.File);
        SeparatedTextFile.Write(path, Mix(SeparatedTextFile.Read(trainPath), manifest.Sources, trainPath));
        return path;
    }

    /// <summary>
    /// The mixed documents: each source's run of <paramref name="training"/> (in <paramref name="sources"/>' order and
    /// counts) repeated by the whole part of its weight, then an evenly spread share of it for the fraction; shuffled.
    /// </summary>
    public List<string> Mix(IReadOnlyList<string> training, IReadOnlyList<CorpusSourceSummary> sources, string trainingName = "the training file")
    {
        long counted = sources.Sum(source => (long)source.TrainDocuments);
        if (counted != training.Count)
            throw new InvalidDataException($"{trainingName}: holds {training.Count:N0} documents where its manifest's sources count {counted:N0}; rebuild the corpus");
        var unknown = Weights.Keys.Except(sources.Select(source => source.Name)).ToList();
        if (unknown.Count > 0) throw new InvalidDataException($"the mixture names sources the corpus does not have: {string.Join(", ", unknown)}");

        var mixed = new List<string>();
        int start = 0;
        foreach (var source in sources)
        {
            var documents = training.Skip(start).Take(source.TrainDocuments).ToList();
            start += source.TrainDocuments;
            double weight = Weights.GetValueOrDefault(source.Name);
            int passes = (int)Math.Floor(weight);
            for (int pass = 0; pass < passes; pass++) mixed.AddRange(documents);
            double share = weight - passes;
            // Document i is taken when the running share crosses a whole number: evenly spread, the same every time.
            for (int i = 0; i < documents.Count; i++)
                if (Math.Floor((i + 1) * share) > Math.Floor(i * share)) mixed.Add(documents[i]);
        }
        var random = new Random(ShuffleSeed);
        for (int i = mixed.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (mixed[i], mixed[j]) = (mixed[j], mixed[i]);
        }
        return mixed;
    }
}
