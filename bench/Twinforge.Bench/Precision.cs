using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>The report's names for dtypes and precisions.</summary>
public static class Precision
{
    public const string Float32 = "fp32";
    public const string BFloat16 = "bf16";

    /// <summary>bfloat16 matrix products over float32 master weights and optimizer state (training).</summary>
    public const string BFloat16Mixed = "bf16-mixed";

    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Float32,
        ScalarType.BFloat16 => BFloat16,
        _ => dtype.ToString(),
    };
}
