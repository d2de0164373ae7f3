using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The corpus file format: UTF-8 plain text, each document followed by a line holding only <c>%</c> (the fortune
/// format, which the trainer reads with <c>data_options.plain_text_separator: "%"</c>). Blank lines inside a document
/// are kept. Reading follows the trainer's plain-text reader exactly (a line whose trimmed text is the separator ends
/// a document; blank lines at a document's edges are dropped; whitespace-only lines count as blank), so the documents
/// read here are the documents the trainer numbers.
/// </summary>
public static class SeparatedTextFile
{
    /// <summary>The separator line of Twinforge's corpora.</summary>
    public const string Separator = "%";

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The documents of the file at <paramref name="path"/>, in order.</summary>
    /// <exception cref="InvalidDataException">A line is not valid UTF-8 (the trainer would refuse the file too).</exception>
    public static List<string> Read(string path, string separator = Separator)
    {
        var bytes = File.ReadAllBytes(path);
        var documents = new List<string>();
        var text = new StringBuilder();
        bool open = false;
        int pendingBlankLines = 0;
        long lineNumber = 0;
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        while (start < bytes.Length)
        {
            lineNumber++;
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            int next = end < 0 ? bytes.Length : end + 1;
            int length = (end < 0 ? bytes.Length : end) - start;
            if (length > 0 && bytes[start + length - 1] == (byte)'\r') length--;
            string line;
            try
            {
                line = StrictUtf8.GetString(bytes, start, length);
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: is not valid UTF-8 text");
            }
            start = next;

            if (line.Trim() == separator)
            {
                Close();
                continue;
            }
            if (string.IsNullOrWhiteSpace(line))
            {
                if (open) pendingBlankLines++;
                continue;
            }
            if (open) text.Append('\n', pendingBlankLines + 1);
            open = true;
            pendingBlankLines = 0;
            text.Append(line);
        }
        Close();
        return documents;

        void Close()
        {
            if (open) documents.Add(text.ToString());
            text.Clear();
            open = false;
            pendingBlankLines = 0;
        }
    }

    /// <summary>
    /// Writes <paramref name="documents"/> atomically, each followed by a separator line. A document must read back as
    /// itself: no line of it may be the separator, and it has no blank or whitespace-only lines at its edges (the
    /// corpus's documents are normalised so; see <see cref="ProseNormalizer"/>).
    /// </summary>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentException">A document would not read back as itself, naming it by position.</exception>
    public static long Write(string path, IEnumerable<string> documents)
    {
        long written = 0;
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true);
            int index = 0;
            foreach (var document in documents)
            {
                if (Problem(document) is { } problem)
                    throw new ArgumentException($"document {index} of {path} would not read back as itself: {problem}", nameof(documents));
                writer.Write(document);
                writer.Write('\n');
                writer.Write(Separator);
                writer.Write('\n');
                index++;
            }
            writer.Flush();
            written = stream.Length;
        });
        return written;
    }

    /// <summary>Why <paramref name="document"/> would not read back as itself from the file, or null.</summary>
    public static string? Problem(string document)
    {
        if (string.IsNullOrWhiteSpace(document)) return "it is empty";
        if (document.Contains('\r')) return "it holds a carriage return";
        var lines = document.Split('\n');
        if (string.IsNullOrWhiteSpace(lines[0]) || string.IsNullOrWhiteSpace(lines[^1])) return "it starts or ends with a blank line";
        foreach (var line in lines)
        {
            if (line.Trim() == Separator) return $"a line of it is the separator '{Separator}'";
            if (line.Length > 0 && string.IsNullOrWhiteSpace(line)) return "a line of it holds only whitespace";
        }
        return null;
    }
}
