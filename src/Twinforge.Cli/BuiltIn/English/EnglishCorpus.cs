using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The general-English pre-training corpus (issue 20), built from Debian packages fetched without installing them
/// (<see cref="EnglishCorpusSources"/>): every source's documents normalised, filtered to prose, deduplicated, and
/// split by document into a training file and a held-out file (about 1% by text hash, plus every document today's
/// built-in base held out, so the new base never trains on the old base's validation text). Both are
/// <see cref="SeparatedTextFile"/> files; a third holds exactly today's base's held-out documents, as it read them,
/// so two bases can be compared on the same text; a manifest lists sources, licences, sizes and hashes. Built once:
/// the file names carry <see cref="Version"/>, which changes whenever the builder's output would.
/// </summary>
/// <example><code>
/// var manifest = new EnglishCorpus(cacheRoot).Build(log: Console.WriteLine);
/// // pre-train on english-v1-train.txt with data_options.plain_text_separator: "%" and validation: english-v1-heldout.txt
/// </code></example>
public sealed class EnglishCorpus
{
    /// <summary>The builder's version: part of every file name, so a changed builder never reuses older files.</summary>
    public const string Version = "english-v1";

    readonly string _cacheRoot;

    /// <param name="cacheRoot">Twinforge's cache (see <see cref="CacheLocation"/>): the packages are kept under its corpora directory.</param>
    /// <param name="outputDirectory">Where the corpus files go; by default the cache's corpora directory.</param>
    public EnglishCorpus(string cacheRoot, string? outputDirectory = null)
    {
        _cacheRoot = cacheRoot;
        OutputDirectory = Path.GetFullPath(outputDirectory ?? new BuiltInCorpora(cacheRoot).Directory);
    }

    public string OutputDirectory { get; }

    public string ManifestPath => Path.Combine(OutputDirectory, ManifestFileName);

    public const string TrainFileName = Version + "-train.txt";
    public const string HeldOutFileName = Version + "-heldout.txt";
    public const string ManifestFileName = Version + "-manifest.json";

    /// <summary>Today's base's held-out documents (the v1 of general English, general-english.txt).</summary>
    public const string LegacyHeldOutFileName = "general-english-heldout-v1.txt";

    /// <summary>The manifest of a complete earlier build in <see cref="OutputDirectory"/>, or null.</summary>
    public EnglishCorpusManifest? Existing()
    {
        if (!File.Exists(ManifestPath)) return null;
        var manifest = EnglishCorpusManifest.Load(ManifestPath);
        foreach (var file in new[] { manifest.Train, manifest.HeldOut, manifest.LegacyHeldOut })
        {
            var path = Path.Combine(OutputDirectory, file.File);
            if (!File.Exists(path) || new FileInfo(path).Length != file.Bytes) return null;
        }
        return manifest;
    }

    /// <summary>Returns the corpus's manifest, building the corpus first unless a complete build exists.</summary>
    /// <param name="log">Progress lines: each source as it is read.</param>
    public EnglishCorpusManifest Build(Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (Existing() is { } existing) return existing;
        var corpora = new BuiltInCorpora(_cacheRoot);
        var legacy = LegacyGeneralEnglishSplit.Of(corpora.GeneralEnglish());
        log?.Invoke(Invariant($"today's general-English corpus: {legacy.Documents.Count:N0} documents, {legacy.HeldOutIndices.Count:N0} held out by today's base"));

        var assembly = new CorpusAssembly();
        assembly.AddHeldOut(EnglishCorpusSources.Fortunes, legacy.HeldOut);
        var versions = new Dictionary<string, IReadOnlyList<PackageVersion>>();
        foreach (var source in EnglishCorpusSources.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var roots = source.Packages.ToDictionary(package => package, package => DebianPackage.Extract(package, Path.Combine(corpora.Directory, "packages", package)));
            versions[source.Name] = source.Packages.Select(package => new PackageVersion(package, DebianPackage.Version(roots[package]))).ToList();
            assembly.Add(source.Name, source.Read(new SourcePackages(roots, legacy)), cancellationToken);
            var counts = assembly.Counts.Single(count => count.Source == source.Name);
            log?.Invoke(Invariant($"{source.Name}: {counts.Read:N0} documents read, {counts.TrainDocuments + counts.HeldOutDocuments:N0} kept, ") +
                        Invariant($"{(counts.TrainBytes + counts.HeldOutBytes) / 1e6:F1} MB ({clock.Elapsed.TotalSeconds:F1} s)"));
        }
        var summaries = Summaries(assembly, EnglishCorpusSources.All, versions);
        return WriteFiles(OutputDirectory, assembly, legacy.HeldOut.ToList(), summaries);
    }

    /// <summary>The manifest's per-source rows.</summary>
    public static List<CorpusSourceSummary> Summaries(CorpusAssembly assembly, IReadOnlyList<CorpusSource> sources,
        IReadOnlyDictionary<string, IReadOnlyList<PackageVersion>> versions) =>
        sources.Select(source =>
        {
            var counts = assembly.Counts.FirstOrDefault(count => count.Source == source.Name) ?? new CorpusAssembly.SourceCounts(source.Name);
            return new CorpusSourceSummary(source.Name, source.Title, source.Licence,
                versions.TryGetValue(source.Name, out var packages) ? packages : source.Packages.Select(package => new PackageVersion(package, null)).ToList(),
                counts.Read, counts.NotProse, counts.ExactDuplicates + counts.NearDuplicates, counts.ForcedHeldOut,
                counts.TrainDocuments, counts.TrainBytes, counts.HeldOutDocuments, counts.HeldOutBytes);
        }).ToList();

    /// <summary>
    /// Writes the training, held-out and legacy held-out files (each atomically), then the manifest naming their
    /// hashes; returns the manifest.
    /// </summary>
    public static EnglishCorpusManifest WriteFiles(string directory, CorpusAssembly assembly, IReadOnlyList<string> legacyHeldOut,
        IReadOnlyList<CorpusSourceSummary> sources)
    {
        Directory.CreateDirectory(directory);
        var train = Write(directory, TrainFileName, assembly.Train);
        var heldOut = Write(directory, HeldOutFileName, assembly.HeldOut);
        var legacy = Write(directory, LegacyHeldOutFileName, legacyHeldOut);
        var manifest = new EnglishCorpusManifest(Version,
            $"UTF-8 plain text; each document is followed by a line holding only '{SeparatedTextFile.Separator}' " +
            $"(train with data_options.plain_text_separator: \"{SeparatedTextFile.Separator}\")",
            train, heldOut, legacy, sources);
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestFileName), manifest.ToJson() + "\n");
        return manifest;
    }

    static CorpusFile Write(string directory, string name, IReadOnlyList<string> documents)
    {
        var path = Path.Combine(directory, name);
        long bytes = SeparatedTextFile.Write(path, documents);
        return new CorpusFile(name, documents.Count, bytes, Sha256(path));
    }

    /// <summary>The SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
