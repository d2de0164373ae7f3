using ScottPlot;

namespace Twinforge.Reporting.Charts;

/// <summary>A log-mel spectrogram as a PNG: time across, mel bands up, louder brighter.</summary>
public static class Spectrogram
{
    /// <param name="logMel">Row-major [frames, bins] natural-log magnitudes.</param>
    public static byte[] RenderPng(float[] logMel, int frames, int bins, string title, double framesPerSecond, int width = 420, int height = 180)
    {
        var intensities = new double[bins, frames];
        for (int t = 0; t < frames; t++)
            for (int b = 0; b < bins; b++) intensities[bins - 1 - b, t] = logMel[t * bins + b];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(0, frames / framesPerSecond, 0, bins);
        plot.Title(title, size: 12);
        plot.XLabel("seconds", size: 11);
        plot.YLabel("mel band", size: 11);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
