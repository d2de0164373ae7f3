namespace Twinforge.Bench;

/// <summary>The best matrix-product rates over all measured shapes, per dtype, and every shape's figure.</summary>
public sealed record CeilingReport(double Float32GflopsPerSecond, double BFloat16GflopsPerSecond, string Method,
    IReadOnlyList<MatmulMeasurement> Shapes)
{
    /// <summary>
    /// The machine's ceiling, the better of the two: bf16 where the CPU multiplies bf16 fast (4–5× fp32 on the Zen 4
    /// of bench/NOTES.md), fp32 where it does not (an Intel Xeon without AMX ran bf16 at 0.6× fp32). Model-FLOP
    /// utilisation is taken over this, so it cannot pass 100% on a machine whose bf16 is the slower.
    /// </summary>
    public double BestGflopsPerSecond => Math.Max(Float32GflopsPerSecond, BFloat16GflopsPerSecond);
}
