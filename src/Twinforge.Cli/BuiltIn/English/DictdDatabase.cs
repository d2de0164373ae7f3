using System.IO.Compression;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// A dictionary in the dictd format (RFC 2229 servers' files): <c>NAME.dict.dz</c>, the entries' text compressed with
/// dictzip (gzip with an index in its extra field, so GZipStream reads it whole), and <c>NAME.index</c>, a line per
/// headword: headword, tab, the entry's offset, tab, its length, both in base 64 (A–Z a–z 0–9 + /, most significant
/// digit first). Several headwords may share an entry; each entry is read once, in file order. The 00-database-*
/// entries describe the database itself and are left out.
/// </summary>
public static class DictdDatabase
{
    const string Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>The entries' texts, decoded (UTF-8, or Windows-1252 where an entry is not UTF-8).</summary>
    /// <param name="basePath">The path without extension: <c>/usr/share/dictd/gcide</c>.</param>
    public static IEnumerable<string> ReadEntries(string basePath)
    {
        var indexPath = basePath + ".index";
        var dictionaryPath = basePath + ".dict.dz";
        byte[] text;
        using (var input = new GZipStream(File.OpenRead(dictionaryPath), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            input.CopyTo(buffer);
            text = buffer.ToArray();
        }

        var entries = new SortedDictionary<long, int>();
        long lineNumber = 0;
        foreach (var line in File.ReadLines(indexPath))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length < 3)
                throw new InvalidDataException($"{indexPath}:{lineNumber}: expected headword, offset and length separated by tabs, found '{line}'");
            if (fields[0].StartsWith("00database", StringComparison.Ordinal) || fields[0].StartsWith("00-database", StringComparison.Ordinal)) continue;
            long offset = Number(fields[1], indexPath, lineNumber);
            long length = Number(fields[2], indexPath, lineNumber);
            if (offset + length > text.Length)
                throw new InvalidDataException($"{indexPath}:{lineNumber}: the entry at {offset} of {length} bytes ends past the {text.Length} bytes of {dictionaryPath}");
            entries.TryAdd(offset, (int)length);
        }
        foreach (var (offset, length) in entries)
            yield return LegacyText.Decode(text.AsSpan((int)offset, length));
    }

    /// <summary>A dictd base-64 number: "BdqM" → 1*64³ + 29*64² + 42*64 + 12.</summary>
    public static long Number(string digits, string path = "", long lineNumber = 0)
    {
        long value = 0;
        foreach (var digit in digits)
        {
            int position = Digits.IndexOf(digit);
            if (position < 0) throw new InvalidDataException($"{path}:{lineNumber}: '{digits}' is not a dictd base-64 number");
            value = value * 64 + position;
        }
        return value;
    }
}
