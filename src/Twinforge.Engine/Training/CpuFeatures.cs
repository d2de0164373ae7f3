namespace Twinforge.Engine.Training;

/// <summary>What the CPU offers that changes how training should run.</summary>
public static class CpuFeatures
{
    /// <summary>
    /// True when the CPU multiplies bfloat16 natively (the avx512_bf16 or amx_bf16 flags in /proc/cpuinfo). There,
    /// libtorch's bfloat16 matrix products are several times faster than float32; elsewhere they are emulated and slower.
    /// </summary>
    public static bool HasNativeBFloat16 { get; } = DetectNativeBFloat16();

    static bool DetectNativeBFloat16()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return false;
        foreach (var line in File.ReadLines(cpuInfo))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
            var flags = line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
            return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        }
        return false;
    }
}
