using Twinforge.Reporting.Charts;

namespace Twinforge.Reporting.Tests;

public class SummaryReportTests
{
    [Fact]
    public void The_page_escapes_text_embeds_plots_and_links_runs_relatively()
    {
        using var run = new SyntheticRun();
        var plot = Path.Combine(run.Path, "curve.png");
        LineChart.Save(plot, "curve", "x", "y", [LineSeries.Of("a", [1, 2], [3, 4], SeriesStyle.LineWithMarkers)], logX: false);
        var runReport = Path.Combine(run.Path, "runs", "10% fine-tuned", "report.html");

        var path = SummaryReport.Write(run.Path, new SummaryPage("Study <1>", ["loss < 2 & falling"], ["share", "loss"],
            [["10%", "1.2345"]], [("Loss curve", plot)], [("10% fine-tuned", runReport)]));

        var html = File.ReadAllText(path);
        Assert.Equal(Path.Combine(run.Path, "report.html"), path);
        Assert.Contains("<h1>Study &lt;1&gt;</h1>", html);
        Assert.Contains("loss &lt; 2 &amp; falling", html);
        Assert.Contains("<td>1.2345</td>", html);
        Assert.Contains("data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(plot))[..40], html);
        Assert.Contains("href=\"runs/10%25%20fine-tuned/report.html\"", html);
        Assert.DoesNotContain("<script", html);
    }
}
