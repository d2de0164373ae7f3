namespace Twinforge.Twins.Tests;

/// <summary>The held-out loss table every version's report carries, against its parent's.</summary>
public sealed class HeldOutLossSectionTests
{
    static VersionMetrics Metrics(double shift, double? parentLoss) =>
        new(3.0 + shift, 2.5, parentLoss, BestStep: 8, Steps: 10, StoppedEarly: true, TrainedTokens: 1_000, ReplayedExamples: 0,
            FixedHeldOutExampleLosses: Enumerable.Range(0, 12).Select(i => 3.0 + shift + 0.05 * (i % 3)).ToList(),
            FixedHeldOutExampleTargets: Enumerable.Repeat(20L, 12).ToList());

    [Fact]
    public void A_later_version_is_judged_against_its_parent_with_the_interval_and_a_first_one_says_it_has_none()
    {
        var parent = Metrics(0, parentLoss: null);
        var better = Metrics(-0.2, parentLoss: parent.FixedHeldOutLoss);

        var first = HeldOutLossSection.Of(parent, parent: null);
        var later = HeldOutLossSection.Of(better, parent);

        Assert.Contains("the first version, with no parent to compare with", first.Text);
        Assert.Equal("-", first.Rows[0][3]);
        Assert.Contains("better than its parent by 0.2000", later.Text);
        Assert.Contains("Against its parent, conversation by conversation: held-out loss 0.200 lower (95% interval", later.Text);
        Assert.Contains("stopped early", later.Text);
        Assert.Equal(("2.8000", "3.0000"), (later.Rows[0][1], later.Rows[0][3])); // the fixed set: this version, its parent
        Assert.Equal("2.5000", later.Rows[1][1]);                                  // the new data's held-out part
    }
}
