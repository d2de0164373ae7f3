using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// The JSON header of a safetensors file (https://github.com/huggingface/safetensors, "Format"):
/// <c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}</c>,
/// with offsets relative to the data buffer that follows the header. Parsing validates everything a reader relies
/// on, so that reading tensor bytes afterwards cannot go out of bounds.
/// </summary>
internal sealed class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation's cap (MAX_HEADER_SIZE); a larger length means a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>
    /// Parses and validates the header of <paramref name="path"/> against a data buffer of
    /// <paramref name="bufferLength"/> bytes: known dtypes, non-negative integer shapes, offsets inside the buffer
    /// that span exactly elements × element size, no two tensors overlapping.
    /// </summary>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long bufferLength)
    {
        if (!Utf8.IsValid(json.Span))
            throw new InputFileException(path, "the header is not valid UTF-8: not a safetensors file or corrupt");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InputFileException(path, $"the header is not valid JSON ({e.Message}): not a safetensors file or corrupt", inner: e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InputFileException(path, $"the header must be a JSON object, found {Describe(root)}");

            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new InputFileException(path, "the header lists this name twice", property.Name);
                if (property.Name == MetadataKey)
                    metadata = ParseMetadata(path, property.Value);
                else
                    tensors[property.Name] = ParseTensor(path, property.Name, property.Value, bufferLength);
            }
            CheckNoOverlap(path, tensors.Values);
            return new SafetensorsHeader(metadata, tensors);
        }
    }

    static IReadOnlyDictionary<string, string> ParseMetadata(string path, JsonElement element)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Null) return metadata;
        if (element.ValueKind != JsonValueKind.Object)
            throw new InputFileException(path, $"must be an object of string values, found {Describe(element)}", MetadataKey);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new InputFileException(path, $"value of '{entry.Name}' must be a string, found {Describe(entry.Value)}", MetadataKey);
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new InputFileException(path, $"key '{entry.Name}' appears twice", MetadataKey);
        }
        return metadata;
    }

    static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement element, long bufferLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InputFileException(path, $"expected an object with dtype, shape and data_offsets, found {Describe(element)}", name);

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InputFileException(path, "dtype is missing or not a string", name);
        var dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryGetScalarType(dtypeName, out var dtype))
            throw new InputFileException(path,
                $"unsupported dtype '{dtypeName}' (supported: {string.Join(", ", SafetensorsDType.SupportedNames)})", name);

        var shape = ReadNonNegativeIntegers(path, name, element, "shape", expectedCount: null);
        var offsets = ReadNonNegativeIntegers(path, name, element, "data_offsets", expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw new InputFileException(path, $"data_offsets [{begin}, {end}] end before they begin", name);

        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (product, size) => product * size) * SafetensorsDType.ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw new InputFileException(path, $"shape {SafetensorsTensorInfo.FormatShape(shape)} is too large", name);
        }
        if (end - begin != expectedBytes)
            throw new InputFileException(path,
                $"data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {SafetensorsTensorInfo.FormatShape(shape)} " +
                $"of {dtypeName} needs {expectedBytes}", name);
        if (end > bufferLength)
            throw new InputFileException(path,
                $"truncated: the tensor's data ends at byte {end} of the data buffer but the file holds only {bufferLength} bytes of data",
                name);

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    static long[] ReadNonNegativeIntegers(string path, string name, JsonElement tensor, string field, int? expectedCount)
    {
        var what = expectedCount is null ? "a list of non-negative integers" : $"a list of {expectedCount} non-negative integers";
        if (!tensor.TryGetProperty(field, out var element))
            throw new InputFileException(path, $"{field} is missing", name);
        if (element.ValueKind != JsonValueKind.Array || expectedCount is not null && element.GetArrayLength() != expectedCount)
            throw new InputFileException(path, $"{field} must be {what}, found {Describe(element)}", name);

        var values = new long[element.GetArrayLength()];
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
                throw new InputFileException(path, $"{field} must be {what}, found {Describe(element)}", name);
            values[index++] = value;
        }
        return values;
    }

    static void CheckNoOverlap(string path, IEnumerable<SafetensorsTensorInfo> tensors)
    {
        // Empty tensors occupy no bytes and cannot overlap anything.
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (previous is not null && tensor.Begin < previous.End)
                throw new InputFileException(path,
                    $"its bytes [{tensor.Begin}, {tensor.End}) overlap those of '{previous.Name}' [{previous.Begin}, {previous.End})",
                    tensor.Name);
            previous = tensor;
        }
    }

    static string Describe(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    /// <summary>
    /// The header bytes for <paramref name="tensors"/> in the given order, metadata first with its keys sorted,
    /// padded with spaces to a multiple of 8 bytes as the reference writer does (so the data buffer stays aligned).
    /// </summary>
    public static byte[] Serialize(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names readable, as the Rust writer emits them; the output stays valid JSON.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", SafetensorsDType.NameFor(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (var size in tensor.Shape) writer.WriteNumberValue(size);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(tensor.Begin);
                writer.WriteNumberValue(tensor.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }

        var padded = new byte[(buffer.WrittenCount + 7) / 8 * 8];
        buffer.WrittenSpan.CopyTo(padded);
        padded.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return padded;
    }
}
