using System.Buffers;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Cuts text into runs of ordinary text and added tokens, before normalization and BPE (the order Hugging Face
/// tokenizers use). At each position the longest token wins; matching is ordinal.
/// </summary>
internal sealed class AddedTokenSplitter
{
    readonly Dictionary<char, AddedToken[]> _byFirstChar;
    readonly SearchValues<char> _firstChars;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(token => token.Content.Length > 0)
            .GroupBy(token => token.Content[0])
            .ToDictionary(group => group.Key, group => group.OrderByDescending(token => token.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>A run of the input: either plain text (<paramref name="Token"/> null) or one added token.</summary>
    public readonly record struct Run(int Start, int Length, AddedToken? Token);

    public List<Run> Split(string text)
    {
        var runs = new List<Run>();
        int textStart = 0;
        int position = 0;
        while (position < text.Length)
        {
            int found = text.AsSpan(position).IndexOfAny(_firstChars);
            if (found < 0) break;
            position += found;
            var token = MatchAt(text, position);
            if (token is null)
            {
                position++;
                continue;
            }
            int start = position, end = position + token.Content.Length;
            if (token.LeftStrip) while (start > textStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RightStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > textStart) runs.Add(new Run(textStart, start - textStart, null));
            runs.Add(new Run(start, end - start, token));
            textStart = position = end;
        }
        if (textStart < text.Length) runs.Add(new Run(textStart, text.Length - textStart, null));
        return runs;
    }

    AddedToken? MatchAt(string text, int position)
    {
        foreach (var token in _byFirstChar[text[position]])
        {
            if (!text.AsSpan(position).StartsWith(token.Content, StringComparison.Ordinal)) continue;
            if (token.SingleWord && !StandsAlone(text, position, position + token.Content.Length)) continue;
            return token;
        }
        return null;
    }

    static bool StandsAlone(string text, int start, int end) =>
        (start == 0 || !char.IsLetterOrDigit(text[start - 1]) && text[start - 1] != '_') &&
        (end == text.Length || !char.IsLetterOrDigit(text[end]) && text[end] != '_');
}
