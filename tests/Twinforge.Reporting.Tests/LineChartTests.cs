using Twinforge.Reporting.Charts;

namespace Twinforge.Reporting.Tests;

public class LineChartTests
{
    [Fact]
    public void A_log_x_chart_of_two_series_is_saved_as_png()
    {
        using var run = new SyntheticRun();
        var path = Path.Combine(run.Path, "study", "efficiency.png");
        double[] sizes = [100, 1_000, 10_000, 100_000];

        LineChart.Save(path, "Data efficiency", "training examples", "validation loss",
            [
                LineSeries.Of("fine-tuned", sizes, [2.1, 1.7, 1.4, 1.2], SeriesStyle.LineWithMarkers),
                LineSeries.Of("from scratch", sizes, [6.5, 4.8, 3.2, 2.3], SeriesStyle.LineWithMarkers),
            ], logX: true);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x89, bytes[0]);
        Assert.Equal("PNG"u8.ToArray(), bytes[1..4]);
        Assert.True(bytes.Length > 10_000);
    }

    [Fact]
    public void Series_of_unequal_lengths_are_rejected() =>
        Assert.Throws<ArgumentException>(() => LineSeries.Of("bad", [1, 2], [1]));

    [Fact]
    public void Smoothing_is_a_bias_corrected_moving_average_that_keeps_the_first_value_and_skips_nan()
    {
        var smoothed = Smoothing.ExponentialMovingAverage([4.0, double.NaN, 1.0, 7.0], window: 3);

        // Weight 2/(3+1) = 0.5. By hand: after 4: 4. After 1: average 0.5·0.5·4 + 0.5·1 = 1.5 over correction 0.75 → 2.
        // After 7: (0.5·1.5 + 0.5·7 = 4.25) over (0.5·0.75 + 0.5 = 0.875) → 4.857142…
        Assert.Equal(4.0, smoothed[0], 12);
        Assert.True(double.IsNaN(smoothed[1]));
        Assert.Equal(2.0, smoothed[2], 12);
        Assert.Equal(4.25 / 0.875, smoothed[3], 12);
    }
}
