using System.Text;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// A GGUF file read back: its version, metadata and tensor infos, and each tensor's values decoded to float32. The
/// reader checks what a loader would (magic, version, known types, offsets aligned and inside the file) and names the
/// file and the key or tensor at fault; it reads the types <see cref="GgufWriter"/> writes.
/// </summary>
/// <example><code>
/// var file = GgufFile.Read("model.gguf");
/// Console.WriteLine(file.Metadata["general.architecture"].AsString());
/// </code></example>
public sealed class GgufFile
{
    GgufFile(string path, uint version, IReadOnlyDictionary<string, GgufValue> metadata, IReadOnlyList<GgufTensorInfo> tensors, long dataOffset, int alignment)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataOffset = dataOffset;
        Alignment = alignment;
    }

    public string Path { get; }
    public uint Version { get; }

    /// <summary>The metadata, in file order.</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Where the tensor data section starts in the file.</summary>
    public long DataOffset { get; }

    public int Alignment { get; }

    public GgufTensorInfo Tensor(string name) => Tensors.FirstOrDefault(tensor => tensor.Name == name)
        ?? throw new InputFileException(Path, "no such tensor in the file", name);

    /// <summary>A tensor's values, decoded to float32, in row-major order of <see cref="GgufTensorInfo.Shape"/>.</summary>
    public float[] ReadTensor(string name)
    {
        var info = Tensor(name);
        using var stream = File.OpenRead(Path);
        stream.Position = DataOffset + info.Offset;
        var bytes = new byte[info.Type.ByteCount(info.ElementCount)];
        stream.ReadExactly(bytes);
        return GgmlEncoding.Decode(bytes, info.Type, checked((int)info.ElementCount));
    }

    /// <exception cref="InputFileException">The file is not a GGUF file this reader understands; names what is wrong.</exception>
    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new InputFileException(path, "GGUF file not found");
        using var stream = File.OpenRead(path);
        using var input = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (stream.Length < 24 || input.ReadUInt32() != GgufWriter.Magic) throw new InputFileException(path, "not a GGUF file (no \"GGUF\" magic)");
            uint version = input.ReadUInt32();
            if (version != GgufWriter.Version) throw new InputFileException(path, $"GGUF version {version}; this reader reads version {GgufWriter.Version}");
            ulong tensorCount = input.ReadUInt64(), metadataCount = input.ReadUInt64();
            var metadata = new Dictionary<string, GgufValue>();
            for (ulong i = 0; i < metadataCount; i++)
            {
                var key = ReadString(input, path, $"metadata key {i}");
                var type = (GgufValueType)input.ReadUInt32();
                if (!metadata.TryAdd(key, ReadValue(input, type, path, key)))
                    throw new InputFileException(path, "metadata key appears twice", key);
            }
            int alignment = metadata.TryGetValue("general.alignment", out var alignmentValue) ? checked((int)alignmentValue.AsInteger()) : GgufWriter.DefaultAlignment;
            var tensors = new List<GgufTensorInfo>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = ReadString(input, path, $"tensor {i}'s name");
                uint dimensionCount = input.ReadUInt32();
                if (dimensionCount is 0 or > 4) throw new InputFileException(path, $"{dimensionCount} dimensions; ggml has 1 to 4", name);
                var dimensions = Enumerable.Range(0, (int)dimensionCount).Select(_ => checked((long)input.ReadUInt64())).ToArray();
                var type = (GgmlType)input.ReadUInt32();
                if (!Enum.IsDefined(type)) throw new InputFileException(path, $"ggml type {(uint)type} is not one this reader decodes", name);
                long offset = checked((long)input.ReadUInt64());
                if (offset % alignment != 0) throw new InputFileException(path, $"data offset {offset} is not a multiple of the alignment {alignment}", name);
                tensors.Add(new GgufTensorInfo(name, dimensions, type, offset));
            }
            long dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            foreach (var tensor in tensors)
                if (dataOffset + tensor.Offset + tensor.Type.ByteCount(tensor.ElementCount) > stream.Length)
                    throw new InputFileException(path, "the tensor's data runs past the end of the file (truncated?)", tensor.Name);
            return new GgufFile(path, version, metadata, tensors, dataOffset, alignment);
        }
        catch (EndOfStreamException)
        {
            throw new InputFileException(path, "the file ends inside its header (truncated?)");
        }
    }

    static string ReadString(BinaryReader input, string path, string what)
    {
        ulong length = input.ReadUInt64();
        if (length > (ulong)(input.BaseStream.Length - input.BaseStream.Position))
            throw new InputFileException(path, $"{what}: a string of {length} bytes runs past the end of the file");
        return Encoding.UTF8.GetString(input.ReadBytes((int)length));
    }

    static GgufValue ReadValue(BinaryReader input, GgufValueType type, string path, string key)
    {
        if (type != GgufValueType.Array) return new GgufValue(type, ReadScalar(input, type, path, key));
        var elementType = (GgufValueType)input.ReadUInt32();
        ulong count = input.ReadUInt64();
        if (count > (ulong)(input.BaseStream.Length - input.BaseStream.Position))
            throw new InputFileException(path, $"an array of {count} elements cannot fit in the rest of the file", key);
        Array elements = elementType switch
        {
            GgufValueType.String => new string[count],
            GgufValueType.Int32 => new int[count],
            GgufValueType.UInt32 => new uint[count],
            GgufValueType.Float32 => new float[count],
            GgufValueType.UInt8 => new byte[count],
            GgufValueType.Int8 => new sbyte[count],
            GgufValueType.Bool => new bool[count],
            GgufValueType.UInt64 => new ulong[count],
            GgufValueType.Int64 => new long[count],
            GgufValueType.Float64 => new double[count],
            GgufValueType.UInt16 => new ushort[count],
            GgufValueType.Int16 => new short[count],
            _ => throw new InputFileException(path, $"arrays of {elementType} are not read", key),
        };
        for (ulong i = 0; i < count; i++) elements.SetValue(ReadScalar(input, elementType, path, key), (long)i);
        return new GgufValue(type, elements, elementType);
    }

    static object ReadScalar(BinaryReader input, GgufValueType type, string path, string key) => type switch
    {
        GgufValueType.UInt8 => input.ReadByte(),
        GgufValueType.Int8 => input.ReadSByte(),
        GgufValueType.UInt16 => input.ReadUInt16(),
        GgufValueType.Int16 => input.ReadInt16(),
        GgufValueType.UInt32 => input.ReadUInt32(),
        GgufValueType.Int32 => input.ReadInt32(),
        GgufValueType.Float32 => input.ReadSingle(),
        GgufValueType.Bool => input.ReadByte() switch
        {
            0 => false, 1 => true,
            var other => throw new InputFileException(path, $"a bool stored as {other}; GGUF bools are 0 or 1", key),
        },
        GgufValueType.String => ReadString(input, path, key),
        GgufValueType.UInt64 => input.ReadUInt64(),
        GgufValueType.Int64 => input.ReadInt64(),
        GgufValueType.Float64 => input.ReadDouble(),
        _ => throw new InputFileException(path, $"unknown value type {(uint)type}", key),
    };
}
