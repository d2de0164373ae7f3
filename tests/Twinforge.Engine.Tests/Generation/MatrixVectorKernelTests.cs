using Twinforge.Engine.Generation;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>
/// The one-row matrix-vector kernel against nn.functional.linear: both dtypes, sizes that do and do not fill whole
/// SIMD blocks and four-row groups, with and without a bias, on all cores and on one (which must agree exactly).
/// </summary>
[Collection("Torch")]
public sealed class MatrixVectorKernelTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 768, 2304, true)]
    [InlineData(ScalarType.Float32, 37, 1027, false)]  // a scalar tail in every row, rows past the last group of four
    [InlineData(ScalarType.Float32, 3, 5, true)]       // shorter than one SIMD block
    [InlineData(ScalarType.BFloat16, 768, 2304, true)]
    [InlineData(ScalarType.BFloat16, 37, 1027, false)] // odd: the even/odd split has one more even element
    [InlineData(ScalarType.BFloat16, 3, 5, true)]
    public void Matches_linear_on_one_row(ScalarType dtype, long inputs, long outputs, bool withBias)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(inputs * 31 + outputs));
        var input = randn([1, 1, inputs], generator: generator).to(dtype);
        var weight = randn([outputs, inputs], generator: generator).to(dtype);
        var bias = withBias ? randn([outputs], generator: generator).to(dtype) : null;

        var kernel = MatrixVectorKernel.Multiply(input, weight, bias);
        var reference = nn.functional.linear(input.to(float32), weight.to(float32), bias?.to(float32));

        Assert.Equal(new long[] { 1, 1, outputs }, kernel.shape);
        Assert.Equal(dtype, kernel.dtype);
        // The kernel rounds once to the output dtype from float32 sums; the float32 product of the same inputs is
        // the reference, so bf16 results differ by that rounding (2⁻⁸ relative to the largest output) at most.
        double tolerance = dtype == ScalarType.BFloat16 ? 8e-3 : 2e-5;
        double scale = Math.Max(reference.abs().max().item<float>(), 1);
        double difference = (kernel.to(float32) - reference).abs().max().item<float>();
        Assert.True(difference <= tolerance * scale, $"max difference {difference} against values up to {scale}");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void All_cores_and_one_core_give_the_same_bits(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var input = randn([1, 768], generator: generator).to(dtype);
        var weight = randn([3001, 768], generator: generator).to(dtype);
        var parallel = MatrixVectorKernel.Multiply(input, weight, null, parallel: true);
        var serial = MatrixVectorKernel.Multiply(input, weight, null, parallel: false);
        Assert.True(parallel.eq(serial).all().item<bool>());
    }

    [Fact]
    public void Serves_only_one_row_in_the_weights_dtype_with_a_contiguous_weight()
    {
        using var scope = NewDisposeScope();
        var weight = zeros(8, 4);
        Assert.True(MatrixVectorKernel.Supports(zeros(1, 1, 4), weight, zeros(8)));
        Assert.False(MatrixVectorKernel.Supports(zeros(2, 1, 4), weight, null));                     // two rows
        Assert.False(MatrixVectorKernel.Supports(zeros(1, 1, 4, dtype: bfloat16), weight, null));    // dtype differs
        Assert.False(MatrixVectorKernel.Supports(zeros(1, 1, 8), zeros(4, 8).t(), null));           // a transposed view
        Assert.False(MatrixVectorKernel.Supports(zeros(1, 1, 4, dtype: float64), zeros(8, 4, dtype: float64), null));
        Assert.False(MatrixVectorKernel.Supports(zeros(1, 1, 4), weight, zeros(7)));                 // bias of the wrong size
        Assert.Throws<ArgumentException>(() => MatrixVectorKernel.Multiply(zeros(2, 4), weight, null));
    }
}
