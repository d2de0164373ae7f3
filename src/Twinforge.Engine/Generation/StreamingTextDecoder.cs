using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Turns generated tokens into text as soon as it is final, whoever generates them (a <see cref="TokenGenerator"/>
/// alone, or a stream of a continuous batcher): text that might still become a stop sequence, or that ends in an
/// incomplete UTF-8 character, is held back until a later token decides it; the first stop sequence ends the text
/// before it.
/// </summary>
/// <example><code>
/// var decoder = new StreamingTextDecoder(tokenizer, ["\nUser:"]);
/// foreach (var id in tokens) { Console.Write(decoder.Add(id)); if (decoder.Stopped) break; }
/// Console.Write(decoder.Finish());
/// </code></example>
public sealed class StreamingTextDecoder(ITokenizer tokenizer, IReadOnlyList<string> stopSequences)
{
    readonly List<int> generated = [];
    int emitted;

    /// <summary>Every token added so far (a token that completed a stop sequence included).</summary>
    public IReadOnlyList<int> TokenIds => generated;

    /// <summary>True once the text reached a stop sequence: the generation should end.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text so far (up to a stop sequence, once one is reached).</summary>
    public string Text { get; private set; } = "";

    /// <summary>Adds a generated token and returns the text that became final with it (often empty).</summary>
    public string Add(int token)
    {
        if (Stopped) throw new InvalidOperationException("the text already reached a stop sequence");
        generated.Add(token);
        Text = tokenizer.Decode(generated, skipSpecialTokens: true);
        int stopAt = FirstStop(Text, stopSequences);
        if (stopAt >= 0)
        {
            Text = Text[..stopAt];
            Stopped = true;
            return "";
        }
        int safe = SafeLength(Text, stopSequences);
        if (safe <= emitted) return "";
        var piece = Text[emitted..safe];
        emitted = safe;
        return piece;
    }

    /// <summary>
    /// The generation ended: returns the text held back (a broken last character dropped, unless a stop sequence
    /// ended the text, which is then final).
    /// </summary>
    public string Finish()
    {
        if (!Stopped) Text = Text.TrimEnd('\uFFFD');
        if (Text.Length <= emitted) return "";
        var rest = Text[emitted..];
        emitted = Text.Length;
        return rest;
    }

    static int FirstStop(string text, IReadOnlyList<string> stops)
    {
        int first = -1;
        foreach (var stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /// <summary>How much of the text can be emitted: not a tail that begins a stop sequence or a broken character.</summary>
    static int SafeLength(string text, IReadOnlyList<string> stops)
    {
        int safe = text.Length;
        while (safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        foreach (var stop in stops)
        {
            for (int overlap = Math.Min(stop.Length - 1, safe); overlap > 0; overlap--)
            {
                if (string.CompareOrdinal(text, safe - overlap, stop, 0, overlap) == 0)
                {
                    safe -= overlap;
                    break;
                }
            }
        }
        return safe;
    }
}
