namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A token matched as a whole string before BPE runs, as listed in tokenizer.json's <c>added_tokens</c>. Special ones
/// (control tokens such as "&lt;|im_start|&gt;") are only recognised when the caller asks for it; ordinary added tokens
/// always are, as in Hugging Face tokenizers.
/// </summary>
/// <param name="Id">The token's id.</param>
/// <param name="Content">The exact text the token stands for.</param>
/// <param name="Special">Whether it is a control token (skipped by <c>Decode(skipSpecialTokens: true)</c>).</param>
/// <param name="SingleWord">Only match when not inside a word.</param>
/// <param name="LeftStrip">The match absorbs whitespace to its left.</param>
/// <param name="RightStrip">The match absorbs whitespace to its right.</param>
/// <param name="Normalized">Kept for saving; matching always uses the raw text.</param>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool SingleWord = false,
    bool LeftStrip = false,
    bool RightStrip = false,
    bool Normalized = false);
