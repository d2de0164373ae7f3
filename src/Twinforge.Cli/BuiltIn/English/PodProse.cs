using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// The prose of a Perl POD file (perlpod(1)): a document per section (each <c>=head1</c> or <c>=head2</c> starts one),
/// holding its ordinary paragraphs unwrapped, with formatting codes replaced by their text (B&lt;bold&gt; → bold,
/// L&lt;text|link&gt; → text, E&lt;gt&gt; → &gt;, X&lt;index&gt; → nothing). Dropped: headings and other commands,
/// verbatim (indented) paragraphs, which are code, <c>=begin</c>…<c>=end</c> and <c>=for</c> blocks, text after
/// <c>=cut</c> (code), and list items of fewer than four words (an item's label such as "=item -e").
/// </summary>
public static partial class PodProse
{
    public static List<string> Sections(string podText)
    {
        var sections = new List<string>();
        var current = new List<string>();
        bool inPod = true, skipping = false;
        foreach (var paragraph in Paragraphs(podText))
        {
            if (paragraph.StartsWith('='))
            {
                var command = paragraph.Split([' ', '\t', '\n'], 2)[0];
                var rest = paragraph.Length > command.Length ? paragraph[(command.Length + 1)..].Trim() : "";
                if (command == "=cut") { inPod = false; continue; }
                inPod = true;
                if (command == "=begin") { skipping = true; continue; }
                if (command == "=end") { skipping = false; continue; }
                if (skipping || command == "=for") continue;
                if (command is "=head1" or "=head2") Flush();
                else if (command == "=item")
                {
                    var item = Expand(ItemBullet().Replace(rest, "")).Trim();
                    if (item.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 4) current.Add(Unwrap(item));
                }
                continue;
            }
            if (!inPod || skipping) continue;
            if (paragraph[0] is ' ' or '\t') continue; // verbatim: code
            current.Add(Unwrap(Expand(paragraph)));
        }
        Flush();
        return sections;

        void Flush()
        {
            var text = DictionaryText.Document(current);
            if (text.Length > 0) sections.Add(text);
            current.Clear();
        }
    }

    /// <summary>POD paragraphs: runs of lines separated by lines that are empty or only whitespace.</summary>
    static IEnumerable<string> Paragraphs(string text)
    {
        var lines = new List<string>();
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (lines.Count > 0) yield return string.Join('\n', lines);
                lines.Clear();
            }
            else lines.Add(line);
        }
        if (lines.Count > 0) yield return string.Join('\n', lines);
    }

    static string Unwrap(string paragraph) =>
        string.Join(' ', paragraph.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));

    /// <summary>Replaces formatting codes by their text: "C&lt;&lt; $a->b &gt;&gt;" → "$a->b".</summary>
    public static string Expand(string text)
    {
        var result = new StringBuilder(text.Length);
        int position = 0;
        Append(result, text, ref position, closing: null);
        return result.ToString();
    }

    /// <summary>Appends text from <paramref name="position"/> until <paramref name="closing"/> (or the end), expanding codes.</summary>
    static void Append(StringBuilder output, string text, ref int position, string? closing)
    {
        while (position < text.Length)
        {
            if (closing is not null && string.CompareOrdinal(text, position, closing, 0, closing.Length) == 0)
            {
                position += closing.Length;
                return;
            }
            char character = text[position];
            if (character is >= 'A' and <= 'Z' && position + 1 < text.Length && text[position + 1] == '<')
            {
                int brackets = 1;
                while (position + 1 + brackets < text.Length && text[position + 1 + brackets] == '<') brackets++;
                string end;
                int contentStart = position + 1 + brackets;
                if (brackets > 1)
                {
                    // "C<< text >>": whitespace after the opening and before the closing brackets.
                    if (contentStart < text.Length && char.IsWhiteSpace(text[contentStart])) contentStart++;
                    end = " " + new string('>', brackets);
                }
                else end = ">";
                var inner = new StringBuilder();
                position = contentStart;
                Append(inner, text, ref position, end);
                output.Append(Code(character, brackets > 1 ? inner.ToString().Trim() : inner.ToString()));
                continue;
            }
            output.Append(character);
            position++;
        }
    }

    static string Code(char code, string inner) => code switch
    {
        'X' or 'Z' => "",
        'E' => Escape(inner),
        'L' => Link(inner),
        _ => inner,
    };

    static string Escape(string name)
    {
        if (name == "verbar") return "|";
        if (name == "sol") return "/";
        if (name.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && int.TryParse(name[2..], System.Globalization.NumberStyles.HexNumber, null, out int hex)) return char.ConvertFromUtf32(hex);
        if (int.TryParse(name, out int number)) return char.ConvertFromUtf32(number);
        var decoded = WebUtility.HtmlDecode($"&{name};");
        return decoded == $"&{name};" ? "" : decoded;
    }

    /// <summary>L&lt;text|target&gt; → text; L&lt;name/"section"&gt; → "section" in name; L&lt;name&gt; → name.</summary>
    static string Link(string inner)
    {
        int bar = inner.IndexOf('|');
        if (bar >= 0) return inner[..bar];
        int slash = inner.IndexOf('/');
        if (slash < 0 || inner.Contains("://", StringComparison.Ordinal)) return inner;
        var name = inner[..slash];
        var section = inner[(slash + 1)..].Trim('"');
        return name.Length == 0 ? $"\"{section}\"" : $"\"{section}\" in {name}";
    }

    [GeneratedRegex(@"^(\*|\d+\.?)\s*")]
    private static partial Regex ItemBullet();
}
