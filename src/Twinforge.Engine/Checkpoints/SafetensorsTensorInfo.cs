using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// One tensor's entry in a safetensors header: its dtype, its shape and where its bytes lie. <see cref="Begin"/> and
/// <see cref="End"/> are the header's <c>data_offsets</c>, relative to the start of the data buffer.
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, ScalarType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    /// <summary>Bytes of data: <c>End - Begin</c>, which the header validation checked equals elements × element size.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The shape as TorchSharp's factory functions take it.</summary>
    public long[] ShapeArray() => Shape.ToArray();

    /// <summary>The shape as text for messages, e.g. <c>[2, 3]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    internal static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
