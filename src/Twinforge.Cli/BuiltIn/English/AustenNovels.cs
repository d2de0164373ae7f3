using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Jane Austen's six novels from r-cran-janeaustenr, an R package whose data sets are the Project Gutenberg texts as
/// character vectors, one element a line. A document is a chapter: its wrapped lines unwrapped into paragraphs, without
/// the chapter and volume headings, the title pages before the first chapter, or Gutenberg's underscores for italics.
/// </summary>
public static partial class AustenNovels
{
    /// <summary>Every chapter of every novel in the package extracted at <paramref name="packageRoot"/>.</summary>
    public static IEnumerable<string> Chapters(string packageRoot)
    {
        var library = Directory.GetDirectories(Path.Combine(packageRoot, "usr", "lib", "R", "site-library"), "janeaustenr").SingleOrDefault()
            ?? throw new InvalidDataException($"{packageRoot}: holds no R library janeaustenr");
        foreach (var (_, lines) in RSerializedData.ReadCharacterVectors(Path.Combine(library, "data", "Rdata")))
            foreach (var chapter in ChaptersOf(lines.Select(line => line ?? "")))
                yield return chapter;
    }

    /// <summary>A novel's lines → its chapters, each paragraphs separated by a blank line.</summary>
    public static List<string> ChaptersOf(IEnumerable<string> lines)
    {
        var chapters = new List<string>();
        List<string>? chapter = null;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (ChapterHeading().IsMatch(trimmed))
            {
                Flush();
                chapter = [];
                continue;
            }
            if (chapter is null || OtherHeading().IsMatch(trimmed)) continue;
            chapter.Add(trimmed);
        }
        Flush();
        return chapters;

        void Flush()
        {
            if (chapter is null) return;
            var paragraphs = DictionaryText.Paragraphs(chapter).Select(paragraph => Italics().Replace(paragraph.Unwrapped, "$1"));
            var text = DictionaryText.Document(paragraphs);
            if (text.Length > 0) chapters.Add(text);
        }
    }

    [GeneratedRegex(@"^(CHAPTER|Chapter)\s+([0-9]+|[IVXLC]+)\.?$")]
    private static partial Regex ChapterHeading();

    [GeneratedRegex(@"^(VOLUME|Volume)\s+([0-9]+|[IVXLC]+)\.?$|^(FINIS|THE END)\.?$")]
    private static partial Regex OtherHeading();

    [GeneratedRegex(@"_([^_\n]+)_")]
    private static partial Regex Italics();
}
