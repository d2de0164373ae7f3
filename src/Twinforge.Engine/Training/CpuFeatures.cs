using System.Diagnostics;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>What the CPU offers that changes how training should run.</summary>
public static class CpuFeatures
{
    /// <summary>
    /// True when the CPU multiplies bfloat16 natively (the avx512_bf16 or amx_bf16 flags in /proc/cpuinfo). Without
    /// them libtorch emulates bfloat16 and its products are slower than float32's.
    /// </summary>
    public static bool HasNativeBFloat16 { get; } = DetectNativeBFloat16();

    /// <summary>
    /// True when bfloat16 matrix products are clearly faster than float32 here: native instructions and a
    /// <see cref="BFloat16Speedup"/> of at least <see cref="BFloat16SpeedupNeeded"/>. The flags alone do not settle
    /// it: on an AMD Zen 4 libtorch's bf16 products ran 4–5× faster than fp32 (bench/NOTES.md), while on an Intel Xeon
    /// whose hypervisor hides AMX the same avx512_bf16 path ran at 0.6× fp32, so bf16-mixed training there was slower.
    /// </summary>
    public static bool BFloat16ProductsPayOff => HasNativeBFloat16 && BFloat16Speedup >= BFloat16SpeedupNeeded;

    /// <summary>Below this measured speedup float32 is kept: the cast to bf16 and back costs more than a close call gains.</summary>
    public const double BFloat16SpeedupNeeded = 1.3;

    /// <summary>This machine's <see cref="MeasureBFloat16Speedup"/>, measured once per process on first use.</summary>
    public static double BFloat16Speedup => bfloat16Speedup.Value;

    static readonly Lazy<double> bfloat16Speedup = new(() => MeasureBFloat16Speedup());

    /// <summary>
    /// The best time of a float32 matrix product over the best time of the same product in bfloat16, at a shape a
    /// small transformer's training step runs (256 rows, 768 → 3072); about 50 ms on two cores.
    /// </summary>
    public static double MeasureBFloat16Speedup(int rows = 256, int inner = 768, int outer = 3072, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var left = randn(rows, inner);
        var right = randn(inner, outer);
        return BestMs(left, right, repeats) / BestMs(left.to(ScalarType.BFloat16), right.to(ScalarType.BFloat16), repeats);
    }

    static double BestMs(Tensor left, Tensor right, int repeats)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats + 2; i++) // the first two warm libtorch's kernels and caches up
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            matmul(left, right);
            if (i >= 2) best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

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
