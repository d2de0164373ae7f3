namespace Twinforge.Reporting.Charts;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A solid line without markers: dense per-step data.</summary>
    Line,

    /// <summary>A thin translucent line: raw data drawn under its smoothed version.</summary>
    Faint,

    /// <summary>A line through marked points: sparse data such as evaluations.</summary>
    LineWithMarkers,
}

/// <summary>One labelled series of a <see cref="LineChart"/>; <see cref="Xs"/> and <see cref="Ys"/> pair up by index.</summary>
/// <example><c>new LineSeries("fine-tuned", datasetSizes, validationLosses, SeriesStyle.LineWithMarkers)</c></example>
public sealed record LineSeries(string Label, IReadOnlyList<double> Xs, IReadOnlyList<double> Ys, SeriesStyle Style = SeriesStyle.Line)
{
    public static LineSeries Of(string label, IReadOnlyList<double> xs, IReadOnlyList<double> ys, SeriesStyle style = SeriesStyle.Line)
    {
        if (xs.Count != ys.Count)
            throw new ArgumentException($"series '{label}' has {xs.Count} x values but {ys.Count} y values");
        return new LineSeries(label, xs, ys, style);
    }
}
