using Twinforge.Engine;
using Twinforge.Reporting.Charts;

namespace Twinforge.Reporting;

/// <summary>A rendered plot: where it was written (relative to the run directory) and its PNG bytes, for embedding.</summary>
public sealed record RenderedPlot(string Title, string RelativePath, byte[] Png);

/// <summary>The standard plots of a run, written under <c>plots/</c> in the run directory.</summary>
public static class RunPlots
{
    public const string FolderName = "plots";

    public static IReadOnlyList<RenderedPlot> Write(string runDirectory, TrainingHistory history, RunFigures figures)
    {
        var stepLosses = history.Steps.Select(step => step.Loss).ToList();
        var steps = history.Steps.Select(step => (double)step.Step).ToList();
        var tokens = history.CumulativeTokens();
        var evaluationSteps = history.Evaluations.Select(e => (double)e.Step).ToList();
        var evaluationTokens = history.Evaluations.Select(e => history.TokensAtStep(e.Step)).ToList();
        var validationLosses = history.Evaluations.Select(e => e.Loss).ToList();

        List<LineSeries> LossSeries(IReadOnlyList<double> xs, IReadOnlyList<double> evaluationXs) =>
            [.. TrainLossSeries(xs, stepLosses), new("validation loss", evaluationXs, validationLosses, SeriesStyle.LineWithMarkers)];

        var plots = new List<RenderedPlot>
        {
            Render(runDirectory, "loss_by_step.png", "Loss by step", "step", "loss (nats per token)",
                LossSeries(steps, evaluationSteps), Markers(figures, step => step)),
            Render(runDirectory, "loss_by_tokens.png", "Loss by tokens trained on", "tokens", "loss (nats per token)",
                LossSeries(tokens, evaluationTokens), Markers(figures, history.TokensAtStep)),
            Render(runDirectory, "learning_rate.png", "Learning rate", "step", "learning rate",
                [new("learning rate", steps, history.Steps.Select(step => step.LearningRate).ToList())], []),
        };
        return plots;
    }

    /// <summary>
    /// The training loss as lines: raw (faint) and smoothed, or one line when the run is too short to smooth (its
    /// smoothed line would be the raw one, hiding it while it still took a legend entry).
    /// </summary>
    public static IReadOnlyList<LineSeries> TrainLossSeries(IReadOnlyList<double> xs, IReadOnlyList<double> losses)
    {
        int window = Smoothing.LightWindow(losses.Count);
        if (window == 1) return [new("train loss", xs, losses)];
        return
        [
            new("train loss (raw)", xs, losses, SeriesStyle.Faint),
            new("train loss (smoothed)", xs, Smoothing.ExponentialMovingAverage(losses, window)),
        ];
    }

    static List<VerticalMarker> Markers(RunFigures figures, Func<int, double> position)
    {
        var markers = new List<VerticalMarker>();
        if (figures.Best is { } best) markers.Add(new(position(best.Step), $"best (step {best.Step})"));
        if (figures.StoppedEarly is { } stop) markers.Add(new(position(stop.Step), $"stopped early (step {stop.Step})"));
        return markers;
    }

    static RenderedPlot Render(string runDirectory, string fileName, string title, string xLabel, string yLabel,
        IReadOnlyList<LineSeries> series, IReadOnlyList<VerticalMarker> markers)
    {
        var png = LineChart.RenderPng(title, xLabel, yLabel, series, markers: markers);
        var relativePath = Path.Combine(FolderName, fileName);
        AtomicFile.WriteAllBytes(Path.Combine(runDirectory, relativePath), png);
        return new RenderedPlot(title, relativePath, png);
    }
}
