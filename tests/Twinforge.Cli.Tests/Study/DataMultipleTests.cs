using Twinforge.Cli.Study;

namespace Twinforge.Cli.Tests.Study;

public sealed class DataMultipleTests
{
    static readonly (double, double)[] Scratch = [(100, 4.0), (1000, 3.0), (10000, 2.0)];

    [Fact]
    public void Interpolates_the_scratch_curve_in_log_data()
    {
        // Loss 2.5 lies halfway between 1,000 and 10,000 tokens in log space: √(10⁷) ≈ 3,162 tokens.
        var multiple = DataMultiple.For(fineTunedData: 100, fineTunedLoss: 2.5, Scratch);
        Assert.False(multiple.IsLowerBound);
        Assert.Equal(Math.Sqrt(1e7), multiple.ScratchData, 6);
        Assert.Equal(Math.Sqrt(1e7) / 100, multiple.Multiple, 6);
    }

    [Fact]
    public void A_loss_scratch_never_reaches_gives_a_lower_bound()
    {
        var multiple = DataMultiple.For(fineTunedData: 50, fineTunedLoss: 1.5, Scratch);
        Assert.True(multiple.IsLowerBound);
        Assert.Equal(200, multiple.Multiple);
        Assert.StartsWith("more than 200×", multiple.ToString());
    }

    [Fact]
    public void A_loss_scratch_beats_at_its_smallest_amount_gives_an_upper_bound()
    {
        var multiple = DataMultiple.For(fineTunedData: 100, fineTunedLoss: 5.0, Scratch);
        Assert.True(multiple.IsUpperBound);
        Assert.Equal(1, multiple.Multiple);
        Assert.StartsWith("at most 1×", multiple.ToString());
    }
}
