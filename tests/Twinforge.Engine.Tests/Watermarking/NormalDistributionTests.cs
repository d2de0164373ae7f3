using Twinforge.Engine.Watermarking;

namespace Twinforge.Engine.Tests.Watermarking;

public sealed class NormalDistributionTests
{
    // Reference values from Python's math.erfc (the C library's erfc, correctly rounded to within an ulp or two).
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.8875370839817152)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.5, 0.033894853524689274)]
    [InlineData(1.99, 0.004888586800383003)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(4.0, 1.541725790028002e-08)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(7.0, 4.183825607779414e-23)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(20.0, 5.3958656116079005e-176)]
    [InlineData(-1.0, 1.842700792949715)]
    [InlineData(-2.5, 1.999593047982555)]
    public void Erfc_matches_reference_values_to_relative_1e_13(double x, double expected)
    {
        double actual = NormalDistribution.Erfc(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-13 * expected, $"erfc({x}) = {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void Upper_tail_is_one_half_at_zero_and_symmetric()
    {
        Assert.Equal(0.5, NormalDistribution.UpperTail(0), 15);
        Assert.Equal(1.0, NormalDistribution.UpperTail(1.3) + NormalDistribution.UpperTail(-1.3), 14);
        Assert.Equal(0.0, NormalDistribution.UpperTail(60));
    }

    [Theory]
    [InlineData(0.025, 1.959963984540054)]
    [InlineData(0.025 / 3, 2.3939797998185104)]
    [InlineData(0.5, 0)]
    [InlineData(1e-10, 6.361340902404056)]
    public void Upper_quantile_inverts_the_upper_tail(double tail, double expected)
    {
        Assert.Equal(expected, NormalDistribution.UpperQuantile(tail), 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalDistribution.UpperQuantile(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalDistribution.UpperQuantile(0.6));
    }
}
