using System.Buffers.Binary;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// float32 values to and from the bytes of a <see cref="GgmlType"/>, as ggml's reference code does it (ggml-quants.c's
/// <c>quantize_row_q8_0_ref</c>, ggml-impl.h's fp32↔bf16 and fp16 conversions), little-endian.
/// </summary>
public static class GgmlEncoding
{
    /// <summary>Encodes <paramref name="values"/> (row-major; for Q8_0 a whole number of 32-element blocks).</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, GgmlType type)
    {
        var bytes = new byte[type.ByteCount(values.Length)];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), ToBFloat16(values[i]));
                break;
            case GgmlType.Q8_0:
                for (int block = 0; block < values.Length / GgmlTypes.Q8BlockSize; block++)
                    EncodeQ8Block(values.Slice(block * GgmlTypes.Q8BlockSize, GgmlTypes.Q8BlockSize),
                        bytes.AsSpan(block * GgmlTypes.Q8BlockBytes, GgmlTypes.Q8BlockBytes));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a type Twinforge writes");
        }
        return bytes;
    }

    /// <summary>Decodes <paramref name="count"/> values of <paramref name="type"/> from <paramref name="bytes"/>.</summary>
    public static float[] Decode(ReadOnlySpan<byte> bytes, GgmlType type, int count)
    {
        if (bytes.Length < type.ByteCount(count))
            throw new ArgumentException($"{count} {type.Name()} values need {type.ByteCount(count)} bytes, got {bytes.Length}", nameof(bytes));
        var values = new float[count];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < count; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case GgmlType.Q8_0:
                for (int block = 0; block < count / GgmlTypes.Q8BlockSize; block++)
                {
                    var source = bytes.Slice(block * GgmlTypes.Q8BlockBytes, GgmlTypes.Q8BlockBytes);
                    float scale = (float)BinaryPrimitives.ReadHalfLittleEndian(source);
                    for (int j = 0; j < GgmlTypes.Q8BlockSize; j++)
                        values[block * GgmlTypes.Q8BlockSize + j] = scale * (sbyte)source[2 + j];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a type Twinforge writes");
        }
        return values;
    }

    /// <summary>
    /// ggml's fp32 → bf16: round to nearest, ties to even; a NaN stays a (quiet) NaN instead of rounding into infinity.
    /// </summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 64);
        return (ushort)((bits + (0x7fff + ((bits >> 16) & 1))) >> 16);
    }

    /// <summary>
    /// One Q8_0 block: d = max|x| / 127 (stored as float16), q = round(x / d) half away from zero, computed with the
    /// float32 d (not the stored float16 one), as <c>quantize_row_q8_0_ref</c> does.
    /// </summary>
    static void EncodeQ8Block(ReadOnlySpan<float> block, Span<byte> destination)
    {
        float absoluteMax = 0;
        foreach (var x in block) absoluteMax = MathF.Max(absoluteMax, MathF.Abs(x));
        float scale = absoluteMax / 127;
        float inverse = scale != 0 ? 1 / scale : 0;
        BinaryPrimitives.WriteHalfLittleEndian(destination, (Half)scale);
        for (int j = 0; j < block.Length; j++)
            destination[2 + j] = (byte)(sbyte)MathF.Round(block[j] * inverse, MidpointRounding.AwayFromZero);
    }
}
