using Twinforge.Engine;

namespace Twinforge.Reporting.Tests;

public class ReportSectionsTests
{
    [Fact]
    public void Saved_sections_are_rendered_in_the_run_report_as_tables_with_their_text_escaped()
    {
        using var run = new SyntheticRun();
        run.WriteMetrics(SyntheticRun.OverfittingRun());
        ReportSections.Save(run.Path,
        [
            new ReportSection("Memorisation: does it recite?", "Beside the base <which never saw it>.", ["figure", "twin", "base"],
                [["answers copied", "3 of 40", "-"]]),
        ]);

        var html = File.ReadAllText(RunReport.Write(run.Path));

        Assert.Contains("<h2>Memorisation: does it recite?</h2>", html);
        Assert.Contains("Beside the base &lt;which never saw it&gt;.", html);
        Assert.Contains("<td>3 of 40</td>", html);
        Assert.True(html.IndexOf("Memorisation", StringComparison.Ordinal) < html.IndexOf("<h2>Plots</h2>", StringComparison.Ordinal),
            "the measured figures come before the plots");
    }

    [Fact]
    public void No_sections_file_is_no_sections_and_a_section_without_rows_is_an_input_file_error()
    {
        using var run = new SyntheticRun();
        Assert.Empty(ReportSections.Load(run.Path));

        run.WriteFile(ReportSections.FileName, """[{"title": "Fidelity", "text": "", "headers": ["figure"]}]""");
        var error = Assert.Throws<InputFileException>(() => ReportSections.Load(run.Path));
        Assert.Equal("[0]", error.Item);
    }
}
