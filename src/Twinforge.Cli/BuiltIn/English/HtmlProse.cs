using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The prose of an HTML page of a manual (DocBook's HTML, as in debian-handbook and debian-reference): its paragraphs
/// and list items as running text, one paragraph a line-block. Dropped: the head, scripts and styles, headings, code
/// blocks (<c>pre</c>), tables, and the navigation, title-page and table-of-contents blocks around the text. Inline
/// markup (code, emphasis, links) keeps its text; entities are decoded.
/// </summary>
public static partial class HtmlProse
{
    /// <summary>Elements whose whole content is left out.</summary>
    static readonly HashSet<string> Skipped = ["head", "script", "style", "pre", "table", "h1", "h2", "h3", "h4", "h5", "h6", "title", "noscript", "svg"];

    /// <summary>Classes or ids of DocBook and publican blocks that frame the text rather than belong to it.</summary>
    static readonly string[] FrameClasses = ["navheader", "navfooter", "docnav", "toc", "titlepage", "banner", "legalnotice", "indexterm", "index", "footnotes", "screen", "programlisting", "synopsis",
        "table", "informaltable", "figure", "example", "informalexample", "mediaobject"];

    /// <summary>Elements that end a paragraph.</summary>
    static readonly HashSet<string> Blocks = ["p", "div", "li", "dd", "dt", "br", "blockquote", "ul", "ol", "dl", "section", "article", "body", "tr", "hr", "figure", "caption", "td", "th"];

    static readonly HashSet<string> Void = ["br", "img", "meta", "link", "hr", "input", "area", "base", "col", "embed", "source", "wbr"];

    /// <summary>The page's paragraphs, separated by blank lines.</summary>
    public static string ToText(string html)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        var skipStack = new Stack<string>();
        int position = 0;
        foreach (Match tag in Tag().Matches(html))
        {
            if (skipStack.Count == 0) current.Append(html, position, tag.Index - position);
            position = tag.Index + tag.Length;
            if (tag.Groups["comment"].Success || tag.Groups["declaration"].Success) continue;
            var name = tag.Groups["name"].Value.ToLowerInvariant();
            bool closing = tag.Groups["close"].Success, selfClosing = tag.Groups["self"].Success || Void.Contains(name);
            if (skipStack.Count > 0)
            {
                // Inside a skipped element: only count nesting of the same name, to find its end.
                if (name == skipStack.Peek())
                {
                    if (closing) skipStack.Pop();
                    else if (!selfClosing) skipStack.Push(name);
                }
                continue;
            }
            if (!closing && !selfClosing && (Skipped.Contains(name) || IsFrame(tag.Groups["attributes"].Value)))
            {
                // A skipped block ends the paragraph before it; a skipped inline element (an index anchor) does not.
                if (Skipped.Contains(name) || Blocks.Contains(name)) EndParagraph();
                skipStack.Push(name);
                continue;
            }
            if (Blocks.Contains(name)) EndParagraph();
        }
        if (skipStack.Count == 0 && position < html.Length) current.Append(html, position, html.Length - position);
        EndParagraph();
        return string.Join("\n\n", paragraphs);

        void EndParagraph()
        {
            var text = Whitespace().Replace(WebUtility.HtmlDecode(current.ToString()), " ").Trim();
            if (text.Length > 0) paragraphs.Add(text);
            current.Clear();
        }
    }

    static bool IsFrame(string attributes)
    {
        if (attributes.Length == 0) return false;
        foreach (Match attribute in ClassOrId().Matches(attributes))
            foreach (var word in attribute.Groups["value"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (FrameClasses.Contains(word, StringComparer.OrdinalIgnoreCase)) return true;
        return false;
    }

    [GeneratedRegex(@"<(?:(?<comment>!--.*?--)|(?<declaration>[!?][^>]*)|(?<close>/)?(?<name>[A-Za-z][A-Za-z0-9:-]*)(?<attributes>(?:[^>""']|""[^""]*""|'[^']*')*?)(?<self>/)?)>", RegexOptions.Singleline)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\b(?:class|id)\s*=\s*[""'](?<value>[^""']*)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex ClassOrId();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
