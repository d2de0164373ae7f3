using Twinforge.Bench.Watermark;

namespace Twinforge.Bench.Tests;

/// <summary>
/// The watermark benchmark end to end in quick mode (a tiny random model, whose near-uniform choices carry the
/// watermark strongly): every table row is there, and the figures are those such a model must give.
/// </summary>
[Collection("Harness")]
public sealed class WatermarkBenchmarkTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void Quick_run_detects_the_watermark_at_every_length_and_reports_its_cost()
    {
        var result = WatermarkBenchmark.Run(WatermarkBenchInputs.Quick(), answersPerCell: 2, TextWriter.Null);

        Assert.Equal([50, 100, 200], result.ZThresholds.Keys.Order());
        Assert.All(result.ZThresholds.Values, threshold => Assert.True(threshold >= 2.3263));
        Assert.Equal(3, result.HumanText.Count);
        Assert.All(result.HumanText, row => Assert.True(row.Chunks > 0 && row.FalsePositiveRateAtThreshold <= 0.01));
        Assert.Equal(2 * 3, result.Detection.Count);
        var at200 = result.Detection.Where(row => row.Tokens == 200).ToList();
        Assert.All(at200, row => Assert.Equal((1.0, 0.0), (row.DetectionRate, row.UnwatermarkedOverThreshold)));
        var loss = Assert.Single(result.Loss);
        Assert.True(loss.WatermarkedHeldOutLoss > loss.HeldOutLoss, "the bias moves probability away from the held-out text's own tokens");
        Assert.Equal(2, loss.Answers.Count);
        Assert.All(loss.Answers, answer => Assert.True(double.IsFinite(answer.PlainAnswerLoss) && double.IsFinite(answer.WatermarkedAnswerLoss)));
        var table = result.Table();
        Assert.Contains("detection rate", table);
        Assert.Contains("loss cost", table);
    }
}
