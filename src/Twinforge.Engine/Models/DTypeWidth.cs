using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// Whether computing in one floating-point dtype over weights stored in another widens them (bfloat16 weights
/// multiplied in float32) or narrows them (float32 master weights multiplied in bfloat16). The two call for opposite
/// memory policies: a narrowed copy of a frozen weight is worth keeping (it is smaller than the weight), a widened one
/// never is (it is larger: a whole float32 copy of a bfloat16 base is what storing it in bfloat16 avoids).
/// </summary>
public static class DTypeWidth
{
    /// <summary>Bytes per element of a floating-point dtype.</summary>
    public static int BytesOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentException($"not a floating-point dtype: {dtype}", nameof(dtype)),
    };

    /// <summary>True when products in <paramref name="compute"/> over weights stored in <paramref name="stored"/> upcast them.</summary>
    public static bool Widens(ScalarType stored, ScalarType? compute) => compute is ScalarType c && BytesOf(c) > BytesOf(stored);
}
