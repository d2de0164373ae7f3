using System.Numerics;

namespace Twinforge.Engine.Generation;

/// <summary>
/// bfloat16 in the CPU kernels: a bfloat16 is the upper half of a float32, so two of them sharing a 32-bit lane are
/// each a float32 once moved to (or masked in) the lane's upper half. Kernels therefore take bfloat16 data as even
/// and odd elements, against the other operand's even and odd elements, with no widening shuffles.
/// </summary>
internal static class BFloat16Lanes
{
    /// <summary>The even-indexed bfloat16 of each lane (the lane's lower half) as float32.</summary>
    public static Vector<float> Low(Vector<uint> pairs) => Vector.AsVectorSingle(Vector.ShiftLeft(pairs, 16));

    /// <summary>The odd-indexed bfloat16 of each lane (the lane's upper half) as float32.</summary>
    public static Vector<float> High(Vector<uint> pairs) => Vector.AsVectorSingle(pairs & new Vector<uint>(0xFFFF0000u));

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Rounds to the nearest bfloat16, ties to even, as libtorch's conversion does; NaN stays NaN.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
