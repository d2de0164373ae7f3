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
    public void Smoothing_keeps_the_first_value_and_skips_nan()
    {
        var smoothed = Smoothing.ExponentialMovingAverage([2.0, double.NaN, 2.0, 2.0], window: 3);

        Assert.Equal(2.0, smoothed[0], 12);
        Assert.True(double.IsNaN(smoothed[1]));
        Assert.Equal(2.0, smoothed[3], 12);
    }
}
