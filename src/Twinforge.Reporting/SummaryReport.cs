using System.Text;
using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>
/// A report over several runs (a study, a demo): statements, one table of figures, plots and links to each run's own
/// report. Self-contained like a run report: inline CSS, plots as data URIs; the links are relative, so the directory
/// can be moved or archived whole.
/// </summary>
/// <example><code>
/// SummaryReport.Write("runs/study", new SummaryPage("Data-efficiency study", statements, headers, rows,
///     [("Validation loss against data", "runs/study/data-efficiency.png")], [("1% fine-tuned", "runs/1%-lora/report.html")]));
/// </code></example>
public static class SummaryReport
{
    /// <summary>Writes <c>report.html</c> into <paramref name="directory"/> atomically; returns its path.</summary>
    public static string Write(string directory, SummaryPage page)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append($"<title>{Html.Escape(page.Title)}</title><style>{ReportStyle.Css}</style></head><body>\n")
            .Append(Html.Element("h1", page.Title))
            .Append($"<p class=\"directory\">{Html.Escape(Path.GetFullPath(directory))}</p>\n");
        foreach (var statement in page.Statements)
            html.Append($"<p class=\"statement\">{Html.Escape(statement)}</p>\n");
        html.Append(Html.Table(page.Headers, page.Rows.Select(row => row.Select(Html.Escape)))).Append('\n');
        foreach (var (title, pngPath) in page.Plots)
            html.Append("<figure>").Append(Html.PngImage(File.ReadAllBytes(pngPath), title))
                .Append(Html.Element("figcaption", $"{title} ({Path.GetRelativePath(directory, pngPath)})")).Append("</figure>\n");
        if (page.Runs.Count > 0)
        {
            html.Append(Html.Element("h2", "Runs")).Append("<ul>");
            foreach (var (label, reportPath) in page.Runs)
            {
                var relative = Path.GetRelativePath(directory, reportPath).Replace(Path.DirectorySeparatorChar, '/');
                html.Append($"<li><a href=\"{Html.Escape(Uri.EscapeDataString(relative).Replace("%2F", "/"))}\">{Html.Escape(label)}</a></li>");
            }
            html.Append("</ul>\n");
        }
        var path = Path.Combine(directory, RunReport.FileName);
        AtomicFile.WriteAllText(path, html.Append("</body></html>\n").ToString());
        return path;
    }
}

/// <summary>What a <see cref="SummaryReport"/> shows; cells and statements are plain text (escaped when written).</summary>
/// <param name="Title">The page's heading.</param>
/// <param name="Statements">Conclusions, one paragraph each, above the table.</param>
/// <param name="Headers">The table's column headings.</param>
/// <param name="Rows">The table's rows, one cell per heading.</param>
/// <param name="Plots">Title and path of each PNG, embedded in the page.</param>
/// <param name="Runs">Label and path of each run's own report.html, linked relatively.</param>
public sealed record SummaryPage(string Title, IReadOnlyList<string> Statements, IReadOnlyList<string> Headers,
    IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<(string Title, string PngPath)> Plots, IReadOnlyList<(string Label, string ReportPath)> Runs);
