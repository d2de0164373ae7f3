using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>Receives one piece of a tensor's native memory.</summary>
internal delegate void TensorBytesAction(Span<byte> bytes);

/// <summary>
/// Access to a contiguous CPU tensor's native memory as spans, so file I/O reads into and writes from the tensor
/// itself with no managed copy. <see cref="Tensor.bytes"/> is one span, which an <c>int</c> length limits to 2 GB,
/// so larger tensors are visited in pieces through flat views. Bytes are used as they are: safetensors is
/// little-endian, as is every platform TorchSharp ships native libraries for.
/// </summary>
internal static class TensorStorage
{
    /// <summary>Piece size: well under the 2 GB a span can address.</summary>
    public const long DefaultChunkBytes = 1L << 30;

    /// <summary>
    /// Calls <paramref name="action"/> on the tensor's bytes in order, in pieces of at most
    /// <paramref name="chunkBytes"/> (rounded down to whole elements). The tensor must be contiguous and on the CPU.
    /// </summary>
    public static void ForEachChunk(Tensor tensor, TensorBytesAction action, long chunkBytes = DefaultChunkBytes)
    {
        var elementSize = tensor.ElementSize;
        var elementCount = tensor.NumberOfElements;
        if (elementCount == 0) return;
        if (elementCount * elementSize <= chunkBytes)
        {
            action(tensor.bytes);
            return;
        }

        var chunkElements = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < elementCount; start += chunkElements)
        {
            using var piece = flat.narrow(0, start, Math.Min(chunkElements, elementCount - start));
            action(piece.bytes);
        }
    }
}
