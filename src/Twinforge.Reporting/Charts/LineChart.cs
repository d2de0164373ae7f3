using ScottPlot;
using Twinforge.Engine;

namespace Twinforge.Reporting.Charts;

/// <summary>
/// Line charts rendered to PNG with ScottPlot, for run reports and studies (validation loss against dataset size
/// on a log axis, say). Points whose x or y is not finite are left out: a skipped step's loss is NaN.
/// </summary>
public static class LineChart
{
    public const int DefaultWidth = 900;
    public const int DefaultHeight = 500;

    /// <summary>Renders the chart and writes it to <paramref name="path"/> atomically.</summary>
    /// <example><c>LineChart.Save("efficiency.png", "Data efficiency", "examples", "validation loss", [fineTuned, fromScratch], logX: true)</c></example>
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series,
        bool logX = false, IReadOnlyList<VerticalMarker>? markers = null) =>
        AtomicFile.WriteAllBytes(path, RenderPng(title, xLabel, yLabel, series, logX, markers));

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] RenderPng(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series,
        bool logX = false, IReadOnlyList<VerticalMarker>? markers = null, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(logX ? $"{xLabel} (log scale)" : xLabel);
        plot.YLabel(yLabel);

        var palette = new ScottPlot.Palettes.Category10();
        int colourIndex = 0;
        foreach (var line in series)
        {
            var (xs, ys) = FinitePoints(line, logX);
            if (xs.Length == 0) continue;
            var scatter = plot.Add.Scatter(xs, ys);
            // A faint series shares the colour of the smoothed series drawn after it.
            var colour = palette.GetColor(colourIndex);
            if (line.Style != SeriesStyle.Faint) colourIndex++;
            scatter.LegendText = line.Label;
            scatter.Color = line.Style == SeriesStyle.Faint ? colour.WithAlpha(0.25) : colour;
            scatter.LineWidth = line.Style == SeriesStyle.Faint ? 1 : 2;
            // A single point draws no line: it gets a marker, or its legend entry would name nothing visible.
            scatter.MarkerSize = line.Style == SeriesStyle.LineWithMarkers || xs.Length == 1 ? 7 : 0;
        }

        foreach (var marker in markers ?? [])
        {
            if (!double.IsFinite(marker.X) || (logX && marker.X <= 0)) continue;
            var vertical = plot.Add.VerticalLine(logX ? Math.Log10(marker.X) : marker.X);
            vertical.LegendText = marker.Label;
            vertical.Color = palette.GetColor(colourIndex++);
            vertical.LinePattern = LinePattern.Dashed;
            vertical.LineWidth = 1.5f;
        }

        if (logX) UseLogTicks(plot.Axes.Bottom);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    // ScottPlot 5 draws log axes by plotting log10(x) and labelling the ticks with 10^tick.
    static void UseLogTicks(IAxis axis) =>
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = PowerOfTen,
        };

    static string PowerOfTen(double exponent)
    {
        double value = Math.Pow(10, exponent);
        return value.ToString(value >= 1 ? "#,0" : "G4", System.Globalization.CultureInfo.InvariantCulture);
    }

    static (double[] Xs, double[] Ys) FinitePoints(LineSeries line, bool logX)
    {
        var xs = new List<double>(line.Xs.Count);
        var ys = new List<double>(line.Ys.Count);
        for (int i = 0; i < Math.Min(line.Xs.Count, line.Ys.Count); i++)
        {
            double x = line.Xs[i], y = line.Ys[i];
            if (!double.IsFinite(x) || !double.IsFinite(y) || (logX && x <= 0)) continue;
            xs.Add(logX ? Math.Log10(x) : x);
            ys.Add(y);
        }
        return (xs.ToArray(), ys.ToArray());
    }
}
