namespace Twinforge.Engine.Gguf;

/// <summary>
/// One tensor's entry in a GGUF file: its name, its dimensions in ggml's order (innermost first, so a (out, in) linear
/// weight is [in, out]), its encoding and where its data starts, relative to the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset)
{
    public long ElementCount => Dimensions.Aggregate(1L, (product, size) => product * size);

    /// <summary>The dimensions in torch's order (outermost first).</summary>
    public long[] Shape => Dimensions.Reverse().ToArray();
}
