using System.Text;
using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Recipes;

/// <summary>
/// Reads a JSON recipe into <see cref="RecipeNode"/>s. JSON is nearly valid YAML, but a YAML parser accepts what JSON
/// does not (comments, trailing commas, bare words), so JSON gets a strict JSON reader; lines come from byte offsets.
/// </summary>
internal static class RecipeTextParser
{
    public static RecipeNode Parse(string filePath, byte[] bytes)
    {
        var utf8 = bytes.AsSpan();
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var lineStarts = LineStarts(utf8);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
            throw new InputFileException(filePath, "not valid JSON: the file holds no JSON value (a recipe that sets nothing is {})", line: 1, column: 1);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var open = new Stack<long>();
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, lineStarts, open);
            // Anything after the root value makes the reader throw.
            reader.Read();
            return root;
        }
        catch (JsonException e) when (e.LineNumber is { } lineIndex && e.BytePositionInLine is { } bytePosition)
        {
            var lineStart = lineStarts[Math.Min((int)lineIndex, lineStarts.Length - 1)];
            var offset = (int)Math.Min(lineStart + bytePosition, utf8.Length);
            var column = Encoding.UTF8.GetCharCount(utf8[lineStart..offset]) + 1;
            var problem = JsonProblem.Reason(e);
            if (problem.StartsWith("The ", StringComparison.Ordinal)) problem = "the " + problem[4..];
            // The reader finds an unclosed '{' or '[' only at the end of the file: name where it opened.
            if (open.Count > 0 && utf8[offset..].Trim(" \t\r\n"u8).IsEmpty)
            {
                var opened = open.Peek();
                problem = $"the file ends before the '{(char)utf8[(int)opened]}' at line {LineOf(opened, lineStarts)}, column {ColumnOf(utf8, opened, lineStarts)} is not closed";
            }
            throw new InputFileException(filePath, $"not valid JSON: {problem}", line: lineIndex + 1, inner: e, column: column);
        }
        catch (InvalidOperationException e)
        {
            // GetString refuses a string whose bytes are not UTF-8 (a file saved as Latin-1, say).
            throw new InputFileException(filePath, "not valid JSON: the string is not valid UTF-8 text; save the file as UTF-8",
                line: LineOf(reader.TokenStartIndex, lineStarts), inner: e, column: ColumnOf(utf8, reader.TokenStartIndex, lineStarts));
        }
    }

    static RecipeNode ReadValue(ref Utf8JsonReader reader, int[] lineStarts, Stack<long> open)
    {
        var line = LineOf(reader.TokenStartIndex, lineStarts);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                open.Push(reader.TokenStartIndex);
                var entries = new List<RecipeMappingEntry>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    var keyLine = LineOf(reader.TokenStartIndex, lineStarts);
                    reader.Read();
                    entries.Add(new RecipeMappingEntry(key, keyLine, ReadValue(ref reader, lineStarts, open)));
                }
                open.Pop();
                return new RecipeMapping(entries, line);
            case JsonTokenType.StartArray:
                open.Push(reader.TokenStartIndex);
                var items = new List<RecipeNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref reader, lineStarts, open));
                open.Pop();
                return new RecipeSequence(items, line);
            case JsonTokenType.String:
                return new RecipeScalar(reader.GetString()!, IsQuoted: true, line);
            case JsonTokenType.Number:
                return new RecipeScalar(Encoding.UTF8.GetString(reader.ValueSpan), IsQuoted: false, line);
            case JsonTokenType.True:
                return new RecipeScalar("true", IsQuoted: false, line);
            case JsonTokenType.False:
                return new RecipeScalar("false", IsQuoted: false, line);
            default:
                return new RecipeScalar("null", IsQuoted: false, line);
        }
    }

    /// <summary>The byte offset at which each line starts.</summary>
    static int[] LineStarts(ReadOnlySpan<byte> utf8)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < utf8.Length; i++)
            if (utf8[i] == (byte)'\n') starts.Add(i + 1);
        return [.. starts];
    }

    static int LineOf(long offset, int[] lineStarts)
    {
        var index = Array.BinarySearch(lineStarts, (int)offset);
        // Not found: ~index is the first start beyond the offset, so the line is the one before it.
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    /// <summary>The 1-based column, in characters, of the byte at <paramref name="offset"/>.</summary>
    static int ColumnOf(ReadOnlySpan<byte> utf8, long offset, int[] lineStarts)
    {
        var lineStart = lineStarts[LineOf(offset, lineStarts) - 1];
        return Encoding.UTF8.GetCharCount(utf8[lineStart..(int)offset]) + 1;
    }
}
