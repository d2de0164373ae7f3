using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Reads character vectors out of an R package's lazy-load database (data/Rdata.rdx and data/Rdata.rdb), which is how
/// R packages ship data sets. The index (.rdx) is a gzip-compressed serialized list whose "variables" element maps each
/// data set's name to an (offset, length) pair in the database (.rdb); there each object is a 4-byte big-endian length
/// followed by a zlib stream of the object serialized in R's XDR format (R Internals, "Serialization Formats"). Only
/// what such data needs is read: NULL, symbols, pairlists, logical, integer, character vectors and lists, with their
/// attributes and back-references; anything else is reported by type code.
/// </summary>
public static class RSerializedData
{
    /// <summary>The character vectors of a lazy-load database, by name, in the index's order.</summary>
    /// <param name="basePath">The path without extension: <c>…/janeaustenr/data/Rdata</c>.</param>
    public static List<(string Name, string?[] Strings)> ReadCharacterVectors(string basePath)
    {
        var indexPath = basePath + ".rdx";
        var databasePath = basePath + ".rdb";
        object? index;
        using (var input = new GZipStream(File.OpenRead(indexPath), CompressionMode.Decompress))
            index = new Reader(ReadAll(input), indexPath).ReadFile();
        var variables = Element(index, "variables", indexPath) as RList
            ?? throw new InvalidDataException($"{indexPath}: its 'variables' element is not a list");
        var compressed = Element(index, "compressed", indexPath);
        if (compressed is int[] { Length: 1 } kind && kind[0] is not 1)
            throw new InvalidDataException($"{indexPath}: the database is compressed with method {kind[0]}; only zlib (TRUE) is read");

        var database = File.ReadAllBytes(databasePath);
        var result = new List<(string, string?[])>();
        for (int i = 0; i < variables.Items.Count; i++)
        {
            var name = variables.Names?[i] ?? $"#{i + 1}";
            if (variables.Items[i] is not int[] { Length: 2 } position)
                throw new InvalidDataException($"{indexPath}: variable '{name}' has no (offset, length) pair");
            int offset = position[0], length = position[1];
            if (offset < 0 || length < 4 || offset + length > database.Length)
                throw new InvalidDataException($"{databasePath}: variable '{name}' at {offset}+{length} is outside the file's {database.Length} bytes");
            int size = BinaryPrimitives.ReadInt32BigEndian(database.AsSpan(offset, 4));
            using var stream = new ZLibStream(new MemoryStream(database, offset + 4, length - 4), CompressionMode.Decompress);
            var bytes = ReadAll(stream);
            if (bytes.Length != size) throw new InvalidDataException($"{databasePath}: variable '{name}' unpacks to {bytes.Length} bytes, not the {size} announced");
            if (new Reader(bytes, databasePath).ReadFile() is string?[] strings) result.Add((name, strings));
        }
        return result;
    }

    static object? Element(object? list, string name, string path)
    {
        if (list is not RList { Names: { } names } named) throw new InvalidDataException($"{path}: expected a named list");
        int position = Array.IndexOf(names, name);
        return position < 0 ? throw new InvalidDataException($"{path}: has no '{name}' element") : named.Items[position];
    }

    static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A generic vector (list), with its names attribute if it has one.</summary>
    sealed record RList(List<object?> Items, string?[]? Names);

    sealed class Reader(byte[] bytes, string path)
    {
        const int NilValue = 254, Reference = 255, Symbol = 1, PairList = 2, Characters = 9, Logical = 10, Integer = 13, Strings = 16, Generic = 19;
        const int HasAttributes = 1 << 9, HasTag = 1 << 10;
        readonly List<object?> _references = [];
        int _position;

        public object? ReadFile()
        {
            if (bytes.Length < 2 || bytes[0] != (byte)'X' || bytes[1] != (byte)'\n')
                throw new InvalidDataException($"{path}: not R's XDR serialization (it starts with neither 'X\\n')");
            _position = 2;
            int version = Int();
            Int(); // the version of R that wrote it
            Int(); // the oldest that can read it
            if (version == 3)
            {
                int encodingLength = Int(); // then the native encoding's name
                _position += encodingLength;
            }
            else if (version != 2) throw new InvalidDataException($"{path}: serialization version {version} (2 or 3 are read)");
            return Item();
        }

        object? Item()
        {
            int flags = Int(), type = flags & 0xFF;
            bool attributes = (flags & HasAttributes) != 0, tag = (flags & HasTag) != 0;
            switch (type)
            {
                case NilValue: return null;
                case Reference:
                    int reference = flags >> 8;
                    if (reference == 0) reference = Int();
                    return _references[reference - 1];
                case Symbol:
                    var name = Item() as string ?? "";
                    _references.Add(name);
                    return name;
                case Characters: return Text();
                case PairList:
                    // A pairlist node (attributes such as names, and the index's tagged values): a list of (tag, value).
                    var nodes = new List<(string? Tag, object? Value)>();
                    while (true)
                    {
                        if (attributes) Item();
                        var key = tag ? Item() as string : null;
                        nodes.Add((key, Item()));
                        int next = Int();
                        if ((next & 0xFF) == NilValue) return nodes;
                        if ((next & 0xFF) != PairList) { _position -= 4; nodes.Add((null, Item())); return nodes; }
                        attributes = (next & HasAttributes) != 0;
                        tag = (next & HasTag) != 0;
                    }
                case Logical:
                case Integer:
                    var integers = new int[Length()];
                    for (int i = 0; i < integers.Length; i++) integers[i] = Int();
                    if (attributes) Item();
                    return integers;
                case Strings:
                    var strings = new string?[Length()];
                    for (int i = 0; i < strings.Length; i++)
                    {
                        int elementFlags = Int();
                        if ((elementFlags & 0xFF) != Characters) throw new InvalidDataException($"{path}: a character vector holds type {elementFlags & 0xFF}");
                        strings[i] = Text();
                    }
                    if (attributes) Item();
                    return strings;
                case Generic:
                    var items = new List<object?>();
                    int count = Length();
                    for (int i = 0; i < count; i++) items.Add(Item());
                    string?[]? names = null;
                    if (attributes && Item() is List<(string? Tag, object? Value)> attributeList)
                        names = attributeList.FirstOrDefault(attribute => attribute.Tag == "names").Value as string?[];
                    return new RList(items, names);
                default:
                    throw new InvalidDataException($"{path}: R object type {type} at byte {_position - 4} is not read here");
            }
        }

        string? Text()
        {
            int length = Int();
            if (length == -1) return null; // NA
            var text = Encoding.UTF8.GetString(bytes, _position, length);
            _position += length;
            return text;
        }

        int Length()
        {
            int length = Int();
            if (length == -1) throw new InvalidDataException($"{path}: long vectors are not read here");
            return length;
        }

        int Int()
        {
            if (_position + 4 > bytes.Length) throw new InvalidDataException($"{path}: ends in the middle of an object");
            int value = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(_position, 4));
            _position += 4;
            return value;
        }
    }
}
