using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Turns generated tokens into text as soon as it is final, whoever generates them (a <see cref="TokenGenerator"/>
/// alone, or a stream of a continuous batcher): text that might still become a stop sequence, or that ends in an
/// incomplete UTF-8 character, is held back until a later token decides it; the first stop sequence ends the text
/// before it. A <c>leader</c> the text starts with (a chat format's space before the reply) is not part of it.
/// </summary>
/// <example><code>
/// var decoder = new StreamingTextDecoder(tokenizer, ["\nUser:"]);
/// foreach (var id in tokens) { Console.Write(decoder.Add(id)); if (decoder.Stopped) break; }
/// Console.Write(decoder.Finish());
/// </code></example>
public sealed class StreamingTextDecoder(ITokenizer tokenizer, IReadOnlyList<string> stopSequences, string leader = "")
{
    bool leaderDecided = leader.Length == 0;
    readonly List<int> generated = [];
    readonly int longestStop = stopSequences.Count == 0 ? 0 : stopSequences.Max(stop => stop.Length);
    string text = "";
    int emitted;
    // Decoding works on a window, not the whole answer (which made a long answer quadratic): the tokens from
    // prefixStart to readFrom decoded to the end of the text already; the tokens from readFrom on are not in it yet.
    // Decoding them together with the window's tokens gives the text that follows (a tokenizer may decode a token
    // differently at the start of a text, e.g. drop a leading space), final once it ends in a whole character.
    int prefixStart, readFrom;

    /// <summary>Every token added so far (a token that completed a stop sequence included).</summary>
    public IReadOnlyList<int> TokenIds => generated;

    /// <summary>True once the text reached a stop sequence: the generation should end.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text so far, in whole characters (up to a stop sequence, once one is reached).</summary>
    public string Text => text;

    /// <summary>Adds a generated token and returns the text that became final with it (often empty).</summary>
    public string Add(int token)
    {
        if (Stopped) throw new InvalidOperationException("the text already reached a stop sequence");
        generated.Add(token);
        var next = DecodeNext();
        if (next.EndsWith('\uFFFD')) return ""; // an incomplete character: a later token completes it (or Finish drops it)
        int searchFrom = Math.Max(0, text.Length - longestStop + 1);
        text += next;
        (prefixStart, readFrom) = (readFrom, generated.Count);
        if (!leaderDecided)
        {
            if (!DropLeader()) return "";
            searchFrom = 0;
        }
        int stopAt = FirstStop(text, stopSequences, searchFrom);
        if (stopAt >= 0)
        {
            text = text[..stopAt];
            Stopped = true;
            return "";
        }
        int safe = SafeLength(text, stopSequences);
        if (safe <= emitted) return "";
        var piece = text[emitted..safe];
        emitted = safe;
        return piece;
    }

    /// <summary>
    /// The generation ended: returns the text held back (a broken last character dropped, unless a stop sequence
    /// ended the text, which is then final).
    /// </summary>
    public string Finish()
    {
        if (!Stopped && readFrom < generated.Count)
        {
            text += DecodeNext().TrimEnd('\uFFFD');
            (prefixStart, readFrom) = (readFrom, generated.Count);
        }
        if (!leaderDecided) DropLeader();
        if (text.Length <= emitted) return "";
        var rest = text[emitted..];
        emitted = text.Length;
        return rest;
    }

    /// <summary>
    /// Takes the leader off the start of the text once there is enough text to tell; false while the text is still a
    /// proper prefix of the leader (nothing can be emitted yet). Runs before any text is emitted, so no offset moves.
    /// </summary>
    bool DropLeader()
    {
        if (text.Length < leader.Length && leader.StartsWith(text, StringComparison.Ordinal)) return false;
        if (text.StartsWith(leader, StringComparison.Ordinal)) text = text[leader.Length..];
        leaderDecided = true;
        return true;
    }

    /// <summary>The text the tokens from <see cref="readFrom"/> on add after the window's.</summary>
    string DecodeNext()
    {
        var window = generated.Skip(prefixStart);
        var before = tokenizer.Decode(window.Take(readFrom - prefixStart), skipSpecialTokens: true);
        var after = tokenizer.Decode(window, skipSpecialTokens: true);
        return after.Length > before.Length ? after[before.Length..] : "";
    }

    /// <summary>The first stop sequence in <paramref name="text"/> that ends after <paramref name="from"/> (none before it: checked then).</summary>
    static int FirstStop(string text, IReadOnlyList<string> stops, int from)
    {
        int first = -1;
        foreach (var stop in stops)
        {
            int at = text.IndexOf(stop, from, StringComparison.Ordinal);
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
