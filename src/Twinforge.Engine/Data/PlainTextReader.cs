using System.Text;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// Reads plain text (posts, transcripts, letters) as documents. By default a document is a paragraph: a run of
/// non-blank lines, any number of blank lines separating it from the next. With a separator (fortune files use
/// <c>%</c>), a line holding just that text ends a document and blank lines stay inside documents. Lines within a
/// document are joined with <c>\n</c>; blank lines at its edges are dropped, and empty documents are skipped. Every
/// token is trainable, and the tokenizer's eos, if it has one, ends each document so the model learns where one ends.
/// </summary>
internal static class PlainTextReader
{
    /// <summary>The documents of <paramref name="lines"/>; control characters are reported to <paramref name="problems"/> by line.</summary>
    public static List<SourceDocument> Read(string path, IReadOnlyList<SourceLine> lines, ITokenizer tokenizer, string? separator,
        List<DatasetProblem> problems)
    {
        var documents = new List<SourceDocument>();
        var text = new StringBuilder();
        long firstLine = 0;
        int pendingBlankLines = 0;

        void Close()
        {
            if (firstLine != 0) documents.Add(Encode(tokenizer, text.ToString(), firstLine));
            text.Clear();
            firstLine = 0;
            pendingBlankLines = 0;
        }

        foreach (var line in lines)
        {
            if (ControlCharacters.Find(line.Text) is var (kind, reason)) problems.Add(new DatasetProblem(path, line.Number, kind, reason));
            bool blank = string.IsNullOrWhiteSpace(line.Text);
            if (separator is not null ? line.Text.Trim() == separator : blank)
            {
                Close();
                continue;
            }
            if (blank)
            {
                // Inside a separator-delimited document: kept only if more text follows.
                if (firstLine != 0) pendingBlankLines++;
                continue;
            }
            if (firstLine == 0) firstLine = line.Number;
            else text.Append('\n', pendingBlankLines + 1);
            pendingBlankLines = 0;
            text.Append(line.Text);
        }
        Close();
        return documents;
    }

    static SourceDocument Encode(ITokenizer tokenizer, string text, long line)
    {
        var textIds = tokenizer.Encode(text);
        int[] ids = tokenizer.Special.Eos is int eos ? [.. textIds, eos] : [.. textIds];
        var trainable = new bool[ids.Length];
        Array.Fill(trainable, true);
        return new SourceDocument(ids, trainable, line);
    }
}
