using System.Net;
using System.Text;

namespace Twinforge.Reporting;

/// <summary>Small HTML building blocks; every piece of text passes through <see cref="Escape"/>.</summary>
public static class Html
{
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Element(string tag, string text) => $"<{tag}>{Escape(text)}</{tag}>";

    /// <summary>A table of already-escaped cells (so a cell may hold markup such as <c>&lt;code&gt;</c>).</summary>
    public static string Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows, string? cssClass = null)
    {
        var html = new StringBuilder();
        html.Append(cssClass is null ? "<table>" : $"<table class=\"{cssClass}\">");
        html.Append("<thead><tr>").AppendJoin("", headers.Select(header => $"<th>{Escape(header)}</th>")).Append("</tr></thead><tbody>");
        foreach (var row in rows) html.Append("<tr>").AppendJoin("", row.Select(cell => $"<td>{cell}</td>")).Append("</tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Name/value rows as a two-column table; both columns escaped here.</summary>
    public static string Definitions(IEnumerable<(string Name, string Value)> rows) =>
        "<table class=\"figures\"><tbody>"
        + string.Concat(rows.Select(row => $"<tr><th>{Escape(row.Name)}</th><td>{Escape(row.Value)}</td></tr>"))
        + "</tbody></table>";

    public static string PngImage(byte[] png, string alternative) =>
        $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{Escape(alternative)}\">";
}
