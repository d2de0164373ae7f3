namespace Twinforge.Reporting;

/// <summary>The inline CSS every report page shares, so a run's report and a study's look alike.</summary>
public static class ReportStyle
{
    public const string Css = """
        body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; line-height: 1.4; }
        h1 { margin-bottom: 0.2rem; } .directory { color: #666; font-family: monospace; margin-top: 0; }
        table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
        th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
        thead th { background: #f3f3f3; } table.figures th { background: #fafafa; font-weight: 600; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.best td { background: #eaf6ea; font-weight: 600; }
        .statement { padding: 0.6rem 0.9rem; background: #f6f8fb; border-left: 4px solid #4a78c2; margin: 0.8rem 0; }
        .warning { border-left-color: #d08a00; background: #fdf7ea; }
        figure { margin: 1rem 0; } img { max-width: 100%; border: 1px solid #eee; }
        table.samples td { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 0.9em; width: 30%; }
        """;
}
