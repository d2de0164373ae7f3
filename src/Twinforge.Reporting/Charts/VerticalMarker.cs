namespace Twinforge.Reporting.Charts;

/// <summary>A labelled vertical line across a chart, e.g. the best step or where early stopping ended the run.</summary>
public sealed record VerticalMarker(double X, string Label);
