using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// Writes tensors as one safetensors file. The output is deterministic — tensors sorted by name, metadata keys
/// sorted — so the same weights give the same bytes (artifacts are content-hashed). Each tensor's bytes are streamed
/// from its own memory; the file is never built in memory.
/// </summary>
/// <example><code>SafetensorsWriter.Write("adapter_model.safetensors", adapter.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter)));</code></example>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: to a temporary file in the same
    /// directory, flushed to disk, then renamed over the target. Tensors on another device or not contiguous are
    /// copied one at a time on the way out.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = Order(tensors);
        AtomicFile.Write(path, stream => WriteTo(stream, ordered, metadata));
    }

    /// <summary>
    /// The tensors in file order (ordinal by name), after checking names are unique and not reserved, and that
    /// every dtype can be stored.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, Tensor>> Order(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(entry => entry.Key, StringComparer.Ordinal).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var (name, tensor) = ordered[i];
            if (name is null) throw new ArgumentException("a tensor has a null name", nameof(tensors));
            if (tensor is null) throw new ArgumentException($"'{name}': the tensor is null", nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"'{name}' is reserved for the header's metadata", nameof(tensors));
            if (i > 0 && ordered[i - 1].Key == name)
                throw new ArgumentException($"'{name}': two tensors have this name", nameof(tensors));
            if (!SafetensorsDType.IsSupported(tensor.dtype))
                throw new ArgumentException(
                    $"'{name}': {tensor.dtype} cannot be stored (supported: {string.Join(", ", SafetensorsDType.SupportedNames)})",
                    nameof(tensors));
        }
        return ordered;
    }

    /// <summary>Bytes of tensor data <paramref name="tensor"/> takes in a file.</summary>
    internal static long ByteLength(Tensor tensor) => tensor.NumberOfElements * SafetensorsDType.ElementSize(tensor.dtype);

    /// <summary>Writes the whole file — length, header, data — for tensors already in file order.</summary>
    internal static void WriteTo(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> ordered,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var infos = new List<SafetensorsTensorInfo>(ordered.Count);
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            var length = ByteLength(tensor);
            infos.Add(new SafetensorsTensorInfo(name, tensor.dtype, tensor.shape, offset, offset + length));
            offset += length;
        }

        var header = SafetensorsHeader.Serialize(infos, metadata);
        Span<byte> lengthField = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthField, (ulong)header.Length);
        stream.Write(lengthField);
        stream.Write(header);

        foreach (var (_, tensor) in ordered)
        {
            using var scope = NewDisposeScope();
            var onCpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
            var contiguous = onCpu.is_contiguous() ? onCpu : onCpu.contiguous();
            TensorStorage.ForEachChunk(contiguous, bytes => stream.Write(bytes));
        }
    }
}
