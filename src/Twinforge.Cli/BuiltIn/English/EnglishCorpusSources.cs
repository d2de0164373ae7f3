using System.IO.Compression;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The sources of the English corpus, in the order their documents are written. Each is English prose (or as near as
/// a dictionary comes: definitions and quotations as running text) under a licence that allows this use, fetched from
/// Debian's archive. Left out, and why: fortunes-mario (Portuguese), dict-vera (acronym expansions, not prose),
/// jargon-text (the same Jargon File as dict-jargon), linux-doc-6.1 (a 37 MB download of reStructuredText, mostly
/// code and tables; a candidate for a later version).
/// </summary>
public static class EnglishCorpusSources
{
    /// <summary>The source holding today's general-English corpus, whose held-out documents stay held out.</summary>
    public const string Fortunes = "fortunes";

    public static IReadOnlyList<CorpusSource> All { get; } =
    [
        new(Fortunes, "fortune(6) collections: quotations, jokes, literature, science (today's general-English corpus)",
            "BSD-3-Clause (fortune-mod; quotations of many origins)", ["fortunes", "fortunes-min"],
            packages => packages.LegacyGeneralEnglish.Documents),
        new("anarchism-fortunes", "BLAG Fortune Assortment: quotations on anarchism", "public domain", ["fortune-anarchism"],
            packages => FortuneFile.ReadEntries(Path.Combine(packages.Root("fortune-anarchism"), "usr", "share", "games", "fortunes", "anarchism"))),
        new("devils-dictionary", "Ambrose Bierce, The Devil's Dictionary (1911)", "public domain", ["dict-devil"],
            packages => Dictionary(packages, "dict-devil", "devil").Select(DevilsDictionaryEntry.ToText)),
        new("jargon-file", "The Jargon File 4.4.7 (the hacker's lexicon)", "public domain", ["dict-jargon"],
            packages => Dictionary(packages, "dict-jargon", "jargon").Select(JargonFileEntry.ToText)),
        new("foldoc", "Free On-line Dictionary of Computing", "GFDL-1.1+ (no invariant sections)", ["dict-foldoc"],
            packages => Dictionary(packages, "dict-foldoc", "foldoc").Select(FoldocEntry.ToText)),
        new("gcide", "GNU Collaborative International Dictionary of English (Webster's 1913 and additions)", "GPL-2+", ["dict-gcide"],
            packages => Dictionary(packages, "dict-gcide", "gcide").Select(GcideEntry.ToText)),
        new("wordnet", "WordNet 3.0 glosses and example sentences", "WordNet 3.0 licence (Princeton, permissive)", ["dict-wn"],
            packages => Dictionary(packages, "dict-wn", "wn").Select(WordNetEntry.ToText)),
        new("king-james-bible", "The Holy Bible, King James Version (1611)", "public domain (the text); GPL-2+ (the bible program that reads it)",
            ["bible-kjv-text", "bible-kjv", "libreadline8"],
            packages => KingJamesBible.Chapters(packages.Root("bible-kjv"), packages.Root("bible-kjv-text"), LibraryDirectories(packages.Root("libreadline8")))),
        new("austen", "Jane Austen's six novels (Project Gutenberg texts)", "public domain (the novels); MIT (the R package)", ["r-cran-janeaustenr"],
            packages => AustenNovels.Chapters(packages.Root("r-cran-janeaustenr"))),
        new("perl-doc", "Perl 5 documentation (perlfaq, perlop, perlre, … as POD)", "GPL-1+ or Artistic", ["perl-doc"],
            packages => Files(packages.Root("perl-doc"), "*.pod").SelectMany(file => PodProse.Sections(File.ReadAllText(file)))),
        new("gnu-standards", "GNU Coding Standards and Information for GNU Maintainers", "GFDL-1.3+ (no invariant sections)", ["gnu-standards"],
            packages => Files(packages.Root("gnu-standards"), "*.text.gz").SelectMany(file => TexinfoPlainText.Sections(Gunzip(file)))),
        new("debian-handbook", "The Debian Administrator's Handbook (English)", "GPL-2+ or CC-BY-SA-3.0", ["debian-handbook"],
            packages => Html(Path.Combine(packages.Root("debian-handbook"), "usr", "share", "doc", "debian-handbook", "html", "en-US"), "*.html")),
        new("debian-reference", "Debian Reference (English)", "GPL-2+", ["debian-reference-en"],
            packages => Html(Path.Combine(packages.Root("debian-reference-en"), "usr", "share", "debian-reference"), "*.en.html")),
        new("debian-faq", "The Debian GNU/Linux FAQ (English)", "verbatim and modified copying permitted (Software in the Public Interest)", ["debian-faq"],
            packages => Html(Path.Combine(packages.Root("debian-faq"), "usr", "share", "doc", "debian", "FAQ"), "*.en.html")),
    ];

    static IEnumerable<string> Dictionary(SourcePackages packages, string package, string name) =>
        DictdDatabase.ReadEntries(Path.Combine(packages.Root(package), "usr", "share", "dictd", name));

    /// <summary>The files under <paramref name="root"/> matching <paramref name="pattern"/>, in ordinal order, so every machine reads them alike.</summary>
    static IEnumerable<string> Files(string root, string pattern) =>
        Directory.GetFiles(root, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>A manual's pages, one document each; index and table-of-contents pages, and paragraphs of fewer than four words, left out.</summary>
    static IEnumerable<string> Html(string directory, string pattern) =>
        Files(directory, pattern)
            .Where(file => !Path.GetFileName(file).StartsWith("index", StringComparison.Ordinal) && !Path.GetFileName(file).StartsWith("ix", StringComparison.Ordinal))
            .Select(file => DictionaryText.Document(HtmlProse.ToText(File.ReadAllText(file)).Split("\n\n")
                .Where(paragraph => paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4)));

    static string Gunzip(string file)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
        return reader.ReadToEnd();
    }

    /// <summary>The directories of an extracted library package that hold shared objects.</summary>
    static IReadOnlyList<string> LibraryDirectories(string root) =>
        Directory.GetFiles(root, "*.so*", SearchOption.AllDirectories).Select(file => Path.GetDirectoryName(file)!).Distinct().Order(StringComparer.Ordinal).ToList();
}
