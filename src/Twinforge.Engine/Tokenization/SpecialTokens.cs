namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The tokens a tokenizer gives a role: beginning and end of sequence and padding (each null when the tokenizer has
/// none), and every added token (special or not) by its text.
/// </summary>
/// <param name="Bos">Beginning-of-sequence id (tokenizer_config.json's <c>bos_token</c>).</param>
/// <param name="Eos">End-of-sequence id (<c>eos_token</c>); generation stops on it.</param>
/// <param name="Pad">Padding id (<c>pad_token</c>).</param>
/// <param name="Tokens">Every added token's text and id, e.g. "&lt;|im_end|&gt;" → 151645.</param>
public sealed record SpecialTokens(int? Bos, int? Eos, int? Pad, IReadOnlyDictionary<string, int> Tokens)
{
    /// <summary>The text of an added token, or null if the id is not one.</summary>
    public string? TextOf(int id)
    {
        foreach (var (text, tokenId) in Tokens)
            if (tokenId == id) return text;
        return null;
    }
}
