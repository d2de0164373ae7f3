using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

[Collection("Torch")]
public sealed class LowRankDeltaKernelTests
{
    /// <summary>
    /// Each row gets scaling · B·A·x of its own factors and the other rows are untouched, against float64 products;
    /// sizes off the vector widths exercise the tails.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32, 37, 29, 1e-5)]
    [InlineData(ScalarType.Float32, 768, 2304, 1e-5)]
    [InlineData(ScalarType.BFloat16, 37, 29, 2e-2)]
    [InlineData(ScalarType.BFloat16, 768, 3072, 2e-2)]
    public void Each_listed_row_gets_its_own_adapters_delta(ScalarType dtype, int inputs, int outputs, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var x = randn([1, 5, inputs], generator: generator).to(dtype);
        var y = randn([1, 5, outputs], generator: generator).to(dtype);
        var factors = new[] { 3, 16, 7 }.Select((rank, i) => new LowRankFactors(
            randn([rank, inputs], generator: generator).div(Math.Sqrt(inputs)).to(dtype),
            randn([rank, outputs], generator: generator).to(dtype), 0.5 + i)).ToList();
        (int Row, LowRankFactors Factors)[] rows = [(0, factors[0]), (2, factors[1]), (3, factors[2]), (4, factors[1])];
        var expected = y.to(float64).clone();
        foreach (var (row, f) in rows)
            expected[0, row].add_(x[0, row].to(float64).matmul(f.A.to(float64).t()).matmul(f.BTransposed.to(float64)).mul(f.Scaling));

        var result = y.clone();
        LowRankDeltaKernel.AddRows(x, result, rows);

        double scale = expected.abs().max().item<double>();
        Assert.True((result.to(float64) - expected).abs().max().item<double>() <= tolerance * scale);
        Assert.True(result[0, 1].eq(y[0, 1]).all().item<bool>(), "row 1 has no adapter");
    }
}
