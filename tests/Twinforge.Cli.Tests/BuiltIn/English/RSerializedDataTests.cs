using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>
/// The R lazy-load database reader, on a database written here byte by byte after R Internals' description of the
/// XDR serialization format (as r-cran-janeaustenr ships its novels).
/// </summary>
public sealed class RSerializedDataTests
{
    const int Symbol = 1, PairList = 2, Characters = 9, Logical = 10, Integer = 13, Strings = 16, Generic = 19, NilValue = 254;
    const int HasAttributes = 1 << 9, HasTag = 1 << 10;

    [Fact]
    public void A_packaged_novel_is_read_from_the_lazy_load_database_into_chapters()
    {
        using var directory = new TemporaryDirectory();
        var data = Path.Combine(directory.Path, "usr", "lib", "R", "site-library", "janeaustenr", "data");
        Directory.CreateDirectory(data);
        string?[] novel = ["EMMA", "", "CHAPTER I", "", "Emma Woodhouse, handsome, clever,", "and rich.", "", "CHAPTER II", "", "Mr. Weston was a native of Highbury.", null];
        string?[] other = ["PERSUASION", "", "Chapter 1", "", "Sir Walter Elliot, of Kellynch Hall."];
        var objects = new[] { Compressed(Serialized(StringVector(novel))), Compressed(Serialized(StringVector(other))) };
        File.WriteAllBytes(Path.Combine(data, "Rdata.rdb"), [.. objects[0], .. objects[1]]);
        WriteGzip(Path.Combine(data, "Rdata.rdx"), Serialized(Index([("emma", 0, objects[0].Length), ("persuasion", objects[0].Length, objects[1].Length)])));

        var vectors = RSerializedData.ReadCharacterVectors(Path.Combine(data, "Rdata"));
        var chapters = AustenNovels.Chapters(directory.Path).ToList();

        Assert.Equal(["emma", "persuasion"], vectors.Select(vector => vector.Name));
        Assert.Equal(novel, vectors[0].Strings);
        Assert.Equal(["Emma Woodhouse, handsome, clever, and rich.", "Mr. Weston was a native of Highbury.", "Sir Walter Elliot, of Kellynch Hall."], chapters);
    }

    [Fact]
    public void A_database_compressed_with_another_method_is_refused_by_name()
    {
        using var directory = new TemporaryDirectory();
        // compressed = 3 (xz) instead of TRUE.
        var path = directory.File("Rdata");
        WriteGzip(path + ".rdx", Serialized(IndexWith(compression: 3)));
        File.WriteAllBytes(path + ".rdb", []);

        var error = Assert.Throws<InvalidDataException>(() => RSerializedData.ReadCharacterVectors(path));

        Assert.Contains("Rdata.rdx", error.Message);
        Assert.Contains("method 3", error.Message);
    }

    static byte[] Index(IReadOnlyList<(string Name, int Offset, int Length)> variables) => IndexWith(1, variables);

    /// <summary>list(variables = list(name = c(offset, length), …), references = list(), compressed = compression).</summary>
    static byte[] IndexWith(int compression, IReadOnlyList<(string Name, int Offset, int Length)>? variables = null)
    {
        variables ??= [];
        var bytes = new List<byte>();
        bytes.AddRange(Int(Generic | HasAttributes));
        bytes.AddRange(Int(3));
        bytes.AddRange(Int(Generic | HasAttributes));
        bytes.AddRange(Int(variables.Count));
        foreach (var (_, offset, length) in variables) bytes.AddRange([.. Int(Integer), .. Int(2), .. Int(offset), .. Int(length)]);
        // names attribute of the variables: the first "names" symbol is written whole…
        bytes.AddRange([.. Int(PairList | HasTag), .. Int(Symbol), .. Text("names"), .. StringVector(variables.Select(variable => (string?)variable.Name).ToArray()), .. Int(NilValue)]);
        bytes.AddRange([.. Int(Generic), .. Int(0)]);
        bytes.AddRange([.. Int(Logical), .. Int(1), .. Int(compression)]);
        // …and the second is a back-reference to it (reference 1), as R writes it.
        bytes.AddRange([.. Int(PairList | HasTag), .. Int((1 << 8) | 255), .. StringVector(["variables", "references", "compressed"]), .. Int(NilValue)]);
        return [.. bytes];
    }

    static byte[] StringVector(string?[] strings)
    {
        var bytes = new List<byte>();
        bytes.AddRange(Int(Strings));
        bytes.AddRange(Int(strings.Length));
        foreach (var text in strings) bytes.AddRange(text is null ? [.. Int(Characters), .. Int(-1)] : Text(text));
        return [.. bytes];
    }

    static byte[] Text(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        return [.. Int(Characters | (1 << 15)), .. Int(utf8.Length), .. utf8];
    }

    /// <summary>Format version 3: "X\n", versions, the native encoding, then the object.</summary>
    static byte[] Serialized(byte[] item) => [.. "X\n"u8, .. Int(3), .. Int(0x00040201), .. Int(0x00030500), .. Int(5), .. "UTF-8"u8, .. item];

    static byte[] Compressed(byte[] serialized)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(serialized);
        return [.. Int(serialized.Length), .. buffer.ToArray()];
    }

    static void WriteGzip(string path, byte[] bytes)
    {
        using var output = new GZipStream(File.Create(path), CompressionLevel.Optimal);
        output.Write(bytes);
    }

    static byte[] Int(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }
}
