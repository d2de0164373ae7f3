using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>
/// Turns a training run directory into <c>report.html</c> and the PNG plots under <c>plots/</c>, from
/// <c>metrics.jsonl</c>, <c>run.json</c> (optional), <c>samples.json</c> (optional) and <c>sections.json</c> (optional).
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    /// <summary>Writes the report and its plots into <paramref name="runDirectory"/>, each file atomically.</summary>
    /// <returns>The path of <c>report.html</c>.</returns>
    /// <exception cref="InputFileException">metrics.jsonl is missing or malformed, or run.json/samples.json is malformed.</exception>
    /// <param name="title">The heading's name for the run; null: the directory's name, and the directory is shown.</param>
    /// <example><c>var html = RunReport.Write("runs/2025-06-01-alice");</c></example>
    public static string Write(string runDirectory, string? title = null)
    {
        var history = TrainingHistory.Load(runDirectory);
        var record = RunRecord.Load(runDirectory);
        var samples = SampleSet.Load(runDirectory);
        var sections = ReportSections.Load(runDirectory);
        var figures = RunFigures.Of(history, record);
        var plots = RunPlots.Write(runDirectory, history, figures);
        var path = Path.Combine(runDirectory, FileName);
        AtomicFile.WriteAllText(path, RunReportPage.Render(runDirectory, title, history, record, figures, plots, samples, sections));
        return path;
    }
}
