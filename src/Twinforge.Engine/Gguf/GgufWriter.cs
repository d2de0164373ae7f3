using System.Text;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// Writes a GGUF v3 file (ggml's docs/gguf.md): the header (magic "GGUF", version 3, tensor and metadata counts), the
/// metadata key-value pairs, the tensor infos, then the tensor data, each tensor starting at a multiple of
/// <c>general.alignment</c> (32 unless set). Everything is little-endian. The file is written atomically, and tensor
/// data is produced one tensor at a time, so a model never needs a second copy in memory.
/// </summary>
/// <example><code>
/// var writer = new GgufWriter();
/// writer.Add("general.architecture", GgufValue.String("llama"));
/// writer.AddTensor("token_embd.weight", [vocab, hidden], GgmlType.F16, () => embedding);
/// writer.Write("model.gguf");
/// </code></example>
public sealed class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const int DefaultAlignment = 32;

    /// <summary>ggml's GGML_MAX_NAME is 64 bytes with the terminating zero.</summary>
    public const int MaxTensorNameBytes = 63;

    readonly List<KeyValuePair<string, GgufValue>> metadata = [];
    readonly List<PendingTensor> tensors = [];

    sealed record PendingTensor(string Name, long[] Shape, GgmlType Type, Func<float[]> Values);

    /// <summary>The alignment of tensor data: <c>general.alignment</c> when added, else 32.</summary>
    public int Alignment => metadata.FirstOrDefault(pair => pair.Key == "general.alignment").Value is { } value
        ? checked((int)value.AsInteger()) : DefaultAlignment;

    /// <summary>Adds a metadata key (each key once; keys are written in the order added).</summary>
    public void Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (metadata.Any(pair => pair.Key == key)) throw new ArgumentException($"metadata key '{key}' added twice", nameof(key));
        if (key == "general.alignment" && (value.Type != GgufValueType.UInt32 || value.AsInteger() is <= 0 or > 1 << 20 || (value.AsInteger() & (value.AsInteger() - 1)) != 0))
            throw new ArgumentException("general.alignment must be a uint32 power of two", nameof(value));
        metadata.Add(new(key, value));
    }

    /// <summary>
    /// Adds a tensor of <paramref name="shape"/> in torch's order (outermost dimension first, e.g. (out, in) for a
    /// linear weight); the file stores ggml's order, innermost first. <paramref name="values"/> gives the row-major
    /// float32 elements when the file is written.
    /// </summary>
    public void AddTensor(string name, IReadOnlyList<long> shape, GgmlType type, Func<float[]> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' is longer than ggml's {MaxTensorNameBytes} bytes", nameof(name));
        if (tensors.Any(tensor => tensor.Name == name)) throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        if (shape.Count is 0 or > 4 || shape.Any(size => size <= 0))
            throw new ArgumentException($"tensor '{name}': ggml tensors have 1 to 4 positive dimensions, got [{string.Join(", ", shape)}]", nameof(shape));
        if (type == GgmlType.Q8_0 && shape[^1] % GgmlTypes.Q8BlockSize != 0)
            throw new ArgumentException($"tensor '{name}': Q8_0 rows must be a multiple of {GgmlTypes.Q8BlockSize} elements, got {shape[^1]}", nameof(type));
        tensors.Add(new PendingTensor(name, shape.ToArray(), type, values));
    }

    public int TensorCount => tensors.Count;

    /// <summary>Writes the file atomically (a temporary file in the same directory, then a rename).</summary>
    /// <exception cref="InvalidOperationException">A tensor's values do not have the element count of its shape.</exception>
    public void Write(string path) => AtomicFile.Write(path, WriteTo);

    void WriteTo(Stream stream)
    {
        using var output = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        output.Write(Magic);
        output.Write(Version);
        output.Write((ulong)tensors.Count);
        output.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(output, key);
            output.Write((uint)value.Type);
            WriteValue(output, value);
        }
        long alignment = Alignment, offset = 0;
        foreach (var tensor in tensors)
        {
            WriteString(output, tensor.Name);
            output.Write((uint)tensor.Shape.Length);
            for (int i = tensor.Shape.Length - 1; i >= 0; i--) output.Write((ulong)tensor.Shape[i]); // ggml order: ne[0] innermost
            output.Write((uint)tensor.Type);
            output.Write((ulong)offset);
            offset = AlignUp(offset + tensor.Type.ByteCount(Elements(tensor.Shape)), alignment);
        }
        output.Flush();
        Pad(stream, alignment);
        foreach (var tensor in tensors)
        {
            var values = tensor.Values();
            if (values.LongLength != Elements(tensor.Shape))
                throw new InvalidOperationException(
                    $"tensor '{tensor.Name}' has {values.LongLength} values for its shape [{string.Join(", ", tensor.Shape)}] of {Elements(tensor.Shape)}");
            stream.Write(GgmlEncoding.Encode(values, tensor.Type));
            Pad(stream, alignment);
        }
    }

    static long Elements(long[] shape) => shape.Aggregate(1L, (product, size) => product * size);

    static long AlignUp(long offset, long alignment) => (offset + alignment - 1) / alignment * alignment;

    static void Pad(Stream stream, long alignment)
    {
        long padding = AlignUp(stream.Position, alignment) - stream.Position;
        if (padding > 0) stream.Write(new byte[padding]);
    }

    static void WriteString(BinaryWriter output, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        output.Write((ulong)bytes.Length);
        output.Write(bytes);
    }

    static void WriteValue(BinaryWriter output, GgufValue value)
    {
        if (value.Type == GgufValueType.Array)
        {
            var elementType = value.ElementType ?? throw new ArgumentException("an array value needs its element type");
            var elements = (Array)value.Value;
            output.Write((uint)elementType);
            output.Write((ulong)elements.Length);
            foreach (var element in elements) WriteScalar(output, elementType, element!);
        }
        else WriteScalar(output, value.Type, value.Value);
    }

    static void WriteScalar(BinaryWriter output, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: output.Write((byte)value); break;
            case GgufValueType.Int8: output.Write((sbyte)value); break;
            case GgufValueType.UInt16: output.Write((ushort)value); break;
            case GgufValueType.Int16: output.Write((short)value); break;
            case GgufValueType.UInt32: output.Write((uint)value); break;
            case GgufValueType.Int32: output.Write((int)value); break;
            case GgufValueType.Float32: output.Write((float)value); break;
            case GgufValueType.Bool: output.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(output, (string)value); break;
            case GgufValueType.UInt64: output.Write((ulong)value); break;
            case GgufValueType.Int64: output.Write((long)value); break;
            case GgufValueType.Float64: output.Write((double)value); break;
            default: throw new ArgumentException($"GGUF value type {type} cannot be an array element here");
        }
    }
}
