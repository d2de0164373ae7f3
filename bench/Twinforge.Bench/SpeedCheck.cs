using System.Diagnostics;
using static TorchSharp.torch;

namespace Twinforge.Bench;

/// <summary>
/// The machine's speed at one point of a harness run: the best rate of one fixed matrix product (256 × 768 · 768 ×
/// 3072, a GPT-2 MLP projection at 4 × 64 tokens) in the precision the machine trains in — bfloat16 where its products
/// are fast, float32 where bf16 is emulated (there a bf16 check ran at a fraction of a GFLOP/s, took a minute, and
/// printed as 0). The host is a shared VM whose speed drifts by a quarter within an hour with nothing else running
/// here, so a run checks it before each part and at the end: a part measured while the check had dropped ran on a
/// slower machine, not slower code.
/// </summary>
/// <param name="Precision">"bf16" or "fp32": what the product was timed in.</param>
public sealed record SpeedCheck(string When, double GflopsPerSecond, string Precision)
{
    const int Rows = 256, Inner = 768, Columns = 3072, Warmups = 3, Repeats = 15;

    /// <param name="bfloat16">Time the product in bf16 (the machine trains in it) rather than fp32.</param>
    public static SpeedCheck Measure(string when, bool bfloat16) =>
        new(when, BestGflopsPerSecond(bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32, Rows, Inner, Columns, Warmups, Repeats), bfloat16 ? "bf16" : "fp32");

    /// <summary>The best rate, in GFLOP/s, of a (rows × inner) · (inner × columns) product of random values in <paramref name="dtype"/>.</summary>
    public static double BestGflopsPerSecond(ScalarType dtype, int rows, int inner, int columns, int warmups, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var left = randn([rows, inner], dtype: dtype);
        var right = randn([inner, columns], dtype: dtype);
        for (int i = 0; i < warmups; i++) using (left.matmul(right)) { }
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (left.matmul(right)) { }
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 2.0 * rows * inner * columns / best / 1e9;
    }
}
