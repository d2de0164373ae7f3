namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// One source of the English corpus: the Debian packages it comes from (fetched, never installed), its licence as the
/// packages' copyright files state it, and how its documents are read from the extracted packages.
/// </summary>
/// <param name="Name">A short stable name: the manifest's key, e.g. "gcide".</param>
/// <param name="Title">What it is, for people: "GNU Collaborative International Dictionary of English".</param>
/// <param name="Licence">The licence of the text, from /usr/share/doc/PACKAGE/copyright.</param>
/// <param name="Packages">Every package fetched for it; the first holds the text.</param>
/// <param name="Read">The documents, raw (normalised, filtered and deduplicated afterwards).</param>
public sealed record CorpusSource(string Name, string Title, string Licence, IReadOnlyList<string> Packages,
    Func<SourcePackages, IEnumerable<string>> Read);

/// <summary>What a source's reader may use: the extracted packages, and the split of today's general-English file.</summary>
public sealed class SourcePackages(IReadOnlyDictionary<string, string> roots, LegacyGeneralEnglishSplit legacy)
{
    /// <summary>The directory <paramref name="package"/> was extracted into.</summary>
    public string Root(string package) => roots.TryGetValue(package, out var root)
        ? root
        : throw new InvalidOperationException($"the package '{package}' was not fetched for this source: list it in the source's packages");

    /// <summary>Today's general-English corpus, read and split as the built-in base's pre-training did.</summary>
    public LegacyGeneralEnglishSplit LegacyGeneralEnglish { get; } = legacy;
}
