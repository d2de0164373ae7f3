using System.Text;
using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// Reads a JSON recipe into <see cref="RecipeNode"/>s. JSON is nearly valid YAML, but a YAML parser accepts what JSON
/// does not (comments, trailing commas, bare words), so JSON gets a strict JSON reader; lines come from byte offsets.
/// </summary>
internal static class RecipeJsonParser
{
    public static RecipeNode Parse(string filePath, byte[] bytes)
    {
        var utf8 = bytes.AsSpan();
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var lineStarts = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, lineStarts);
            // Anything after the root value makes the reader throw.
            reader.Read();
            return root;
        }
        catch (JsonException e)
        {
            // The reader's message ends with its own "LineNumber: 2 | BytePositionInLine: 5."; the line is reported apart.
            // Its advice to change the reader options is for programmers, not for the recipe's author.
            var problem = e.Message.Split(" LineNumber:")[0].Replace(" Change the reader options.", "").TrimEnd();
            throw new InputFileException(filePath, $"not valid JSON: {problem}", line: e.LineNumber + 1, inner: e);
        }
    }

    static RecipeNode ReadValue(ref Utf8JsonReader reader, int[] lineStarts)
    {
        var line = LineOf(reader.TokenStartIndex, lineStarts);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<RecipeMappingEntry>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    var keyLine = LineOf(reader.TokenStartIndex, lineStarts);
                    reader.Read();
                    entries.Add(new RecipeMappingEntry(key, keyLine, ReadValue(ref reader, lineStarts)));
                }
                return new RecipeMapping(entries, line);
            case JsonTokenType.StartArray:
                var items = new List<RecipeNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(ReadValue(ref reader, lineStarts));
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
}
