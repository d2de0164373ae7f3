namespace Twinforge.Bench;

/// <summary>
/// One matrix product (M×K)·(K×N), 2·M·K·N floating-point operations. With <see cref="WeightTransposed"/> the right
/// factor is stored (N×K) and the product is <c>linear(x, W)</c> = x·Wᵀ, as the model's tied output head computes it.
/// </summary>
public sealed record MatmulShape(string Name, int M, int K, int N, bool WeightTransposed)
{
    public double Flops => 2.0 * M * K * N;

    /// <summary>How BenchmarkDotNet shows the parameter, and the table's row label.</summary>
    public override string ToString() => $"{Name} {M}x{K}·{K}x{N}";
}
