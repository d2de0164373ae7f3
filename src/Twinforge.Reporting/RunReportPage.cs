using System.Text;
using Twinforge.Engine.Training;

namespace Twinforge.Reporting;

/// <summary>
/// The HTML of a run report: one self-contained page (inline CSS, plots as data URIs, no scripts or links) so it
/// can be mailed or archived with the twin version and still open anywhere.
/// </summary>
static class RunReportPage
{
    /// <param name="title">What the run is, for the heading; null names it after its directory and shows the directory
    /// (a run trained in a scratch directory that will be gone gets a title instead).</param>
    public static string Render(string runDirectory, string? title, TrainingHistory history, RunRecord record, RunFigures figures,
        IReadOnlyList<RenderedPlot> plots, SampleSet? samples, IReadOnlyList<ReportSection>? sections = null)
    {
        var html = new StringBuilder();
        var heading = title ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDirectory)));
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append($"<title>{Html.Escape($"Run report: {heading}")}</title><style>{ReportStyle.Css}</style></head><body>\n")
            .Append(Html.Element("h1", $"Run report: {heading}"));
        if (title is null) html.Append($"<p class=\"directory\">{Html.Escape(Path.GetFullPath(runDirectory))}</p>\n");

        html.Append(Html.Element("h2", "Run")).Append(Html.Definitions(RunRows(record))).Append('\n');
        html.Append(Html.Element("h2", "Key figures")).Append(Html.Definitions(FigureRows(figures)));
        foreach (var statement in Statements(figures))
            html.Append($"<p class=\"statement\">{Html.Escape(statement)}</p>\n");
        foreach (var warning in history.Warnings)
            html.Append($"<p class=\"statement warning\">{Html.Escape($"Warning at step {warning.Step}: {warning.Message}")}</p>\n");

        var statistics = record.DataStatistics;
        if (statistics.Count > 0) html.Append(Html.Element("h2", "Training data")).Append(Html.Definitions(statistics)).Append('\n');

        html.Append(Html.Element("h2", "Evaluations"));
        html.Append(history.Evaluations.Count == 0
            ? Html.Element("p", "No validation: the run had no validation set, so there are no evaluations.")
            : EvaluationTable(history.Evaluations, figures.Best, history.Starts.LastOrDefault()?.StepsPerEpoch));

        foreach (var section in sections ?? [])
        {
            html.Append(Html.Element("h2", section.Title));
            if (section.Text.Length > 0) html.Append(Html.Element("p", section.Text));
            html.Append(Html.Table(section.Headers, section.Rows.Select(row => row.Select(Html.Escape)), "figures"));
        }

        html.Append(Html.Element("h2", "Plots"));
        foreach (var plot in plots)
            html.Append("<figure>").Append(Html.PngImage(plot.Png, plot.Title))
                .Append(Html.Element("figcaption", $"{plot.Title} ({plot.RelativePath})")).Append("</figure>\n");

        if (samples is { Samples.Count: > 0 })
        {
            var labels = samples.ModelLabels;
            html.Append(Html.Element("h2", "Samples")).Append(Html.Table(["prompt", .. labels],
                samples.Samples.Select(sample => labels.Select(label => Html.Escape(sample.Outputs.GetValueOrDefault(label, "")))
                    .Prepend(Html.Escape(sample.Prompt))), "samples"));
        }

        var options = record.Options;
        if (options.Count > 0)
            html.Append("<details><summary>Options</summary>").Append(Html.Definitions(options)).Append("</details>\n");
        return html.Append("</body></html>\n").ToString();
    }

    static IEnumerable<(string, string)> RunRows(RunRecord record)
    {
        if (record.Method is { } method) yield return ("method", method);
        if (record.BaseModel is { } baseModel) yield return ("base model", baseModel);
        foreach (var (path, sha256, label) in record.DataFiles)
            // A labelled file stands for data people know by another name (a twin's: the training part of its datasets):
            // its hash is of the file trained on, which no registered dataset's hash matches, and it says so.
            yield return ("data file", sha256 is null ? label ?? path
                : label is null ? $"{path} (sha256 {sha256[..Math.Min(12, sha256.Length)]}…)"
                : $"{label} (sha256 of the file trained on {sha256[..Math.Min(12, sha256.Length)]}…)");
        yield return ("validation", record.ValidationFile ?? "held out from the data files");
        if (record.Adapter is { } adapter) yield return ("adapter", adapter);
        if (record.Model is { } model) yield return ("model", model);
    }

    static IEnumerable<(string, string)> FigureRows(RunFigures figures)
    {
        yield return ("steps", figures.TotalSteps is int total ? $"{figures.Steps} of {total} planned" : $"{figures.Steps}");
        if (figures.Epochs is double epochs) yield return ("epochs", ReportFormat.Epochs(epochs));
        // Every position of every step, so epochs and padding count: not the data's own token count, which the
        // training-data section and the command line ("trained on") give per epoch.
        yield return ("positions computed", $"{ReportFormat.Count(figures.TokensSeen)} (tokens over all steps, padding included)");
        if (figures.SkippedSteps > 0) yield return ("skipped steps", $"{figures.SkippedSteps} (non-finite loss or gradient)");
        if (figures.Best is not { } best)
        {
            yield return ("validation", "none");
            yield break;
        }
        yield return ("best step", $"{best.Step}");
        yield return ("best validation loss", ReportFormat.Loss(best.Loss));
        yield return ("best validation perplexity", ReportFormat.Perplexity(best.Perplexity));
        yield return ("token accuracy at best", ReportFormat.Percent(best.TokenAccuracy));
        if (figures.Overfitting.FinalGap is double gap) yield return ("final gap (validation − train loss)", ReportFormat.Loss(gap));
        yield return ("gap began to widen", figures.Overfitting.GapWideningStep is int step ? $"after step {step}" : "no");
        if (figures.RestoredBest is bool restored) yield return ("restored best weights", restored ? "yes" : "no");
    }

    /// <summary>Sentences on how the run ended and whether it overfitted: the figures a reader is after, in words.</summary>
    static IEnumerable<string> Statements(RunFigures figures)
    {
        if (figures.StoppedEarly is { } stop)
            yield return $"Stopped early at step {stop.Step} (patience: {stop.Patience} evaluations without improvement); " +
                         $"the best validation loss was {ReportFormat.Loss(stop.BestLoss)} at step {stop.BestStep}.";
        else if (figures.Cancelled == true)
            yield return $"Cancelled at step {figures.Steps}; a checkpoint lets it resume.";
        else
            yield return "Did not stop early.";

        if (!figures.HasValidation)
        {
            yield return "There was no validation: without held-out data the report cannot tell fitting from memorising.";
            yield break;
        }
        if (figures.Overfitting.GapWideningStep is int widening)
            yield return $"Overfitting signal: the gap between validation and training loss began to widen after step {widening}" +
                         (figures.Overfitting.FinalGap is double gap ? $" and ended at {ReportFormat.Loss(gap)} nats." : ".");
        else
            yield return "No overfitting signal: the gap between validation and training loss did not widen.";
        if (figures.RestoredBest == true)
            yield return $"The saved weights are those of the best evaluation (step {figures.Best!.Step}), not of the last update.";
    }

    /// <param name="stepsPerEpoch">Turns an evaluation's step into epochs trained (1.5 halfway through the second);
    /// without it (a log with no start) the whole epochs completed are shown.</param>
    static string EvaluationTable(IReadOnlyList<EvaluationCompleted> evaluations, EvaluationCompleted? best, int? stepsPerEpoch)
    {
        var html = new StringBuilder("<table class=\"evaluations\"><thead><tr>");
        foreach (var header in new[] { "step", stepsPerEpoch > 0 ? "epochs" : "epoch", "trigger", "validation loss", "perplexity", "token accuracy", "train loss", "gap", "best" })
            html.Append($"<th>{Html.Escape(header)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var evaluation in evaluations)
        {
            string[] cells =
            [
                $"{evaluation.Step}",
                stepsPerEpoch is int perEpoch and > 0 ? ReportFormat.Epochs((double)evaluation.Step / perEpoch) : $"{evaluation.Epoch}",
                evaluation.Trigger, ReportFormat.Loss(evaluation.Loss),
                ReportFormat.Perplexity(evaluation.Perplexity), ReportFormat.Percent(evaluation.TokenAccuracy),
                ReportFormat.Loss(evaluation.TrainLoss), ReportFormat.Loss(evaluation.Gap), evaluation.IsBest ? "new best" : "",
            ];
            html.Append(ReferenceEquals(evaluation, best) ? "<tr class=\"best\">" : "<tr>");
            for (int i = 0; i < cells.Length; i++)
                html.Append(i is 2 or 8 ? "<td>" : "<td class=\"number\">").Append(Html.Escape(cells[i])).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>\n").ToString();
    }
}
