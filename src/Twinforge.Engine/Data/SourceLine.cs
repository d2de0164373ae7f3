using System.Text;

namespace Twinforge.Engine.Data;

/// <summary>A line of a training file, with its 1-based number.</summary>
internal readonly record struct SourceLine(long Number, string Text)
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The most lines reported one by one as not UTF-8; the rest are counted in one more problem.</summary>
    public const int MaxInvalidLinesReported = 10;

    /// <summary>
    /// Splits UTF-8 bytes into lines (<c>\n</c> or <c>\r\n</c>; a leading byte-order mark is skipped). A line that is not
    /// valid UTF-8 is reported and left out, so it is never silently decoded as replacement characters.
    /// </summary>
    public static List<SourceLine> Split(byte[] bytes, string path, List<DatasetProblem> problems)
    {
        var lines = new List<SourceLine>();
        long invalid = 0, firstUnreported = 0;
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        long number = 1;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            int next = end < 0 ? bytes.Length : end + 1;
            int length = (end < 0 ? bytes.Length : end) - start;
            if (length > 0 && bytes[start + length - 1] == (byte)'\r') length--;
            try
            {
                lines.Add(new SourceLine(number, StrictUtf8.GetString(bytes, start, length)));
            }
            catch (DecoderFallbackException)
            {
                if (++invalid <= MaxInvalidLinesReported)
                    problems.Add(new DatasetProblem(path, number, DatasetProblemKind.InvalidUtf8, "is not valid UTF-8 text (save the file as UTF-8)"));
                else if (firstUnreported == 0) firstUnreported = number;
            }
            start = next;
            number++;
        }
        if (invalid > MaxInvalidLinesReported)
            problems.Add(new DatasetProblem(path, firstUnreported, DatasetProblemKind.InvalidUtf8,
                $"is the first of {invalid - MaxInvalidLinesReported:N0} more lines that are not valid UTF-8 text (only the first {MaxInvalidLinesReported} are listed): " +
                "is the file in another encoding (Latin-1, UTF-16)? save it as UTF-8"));
        return lines;
    }
}
