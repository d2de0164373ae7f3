namespace Twinforge.Engine.Data;

/// <summary>What happens to an example with more tokens than the sequence length. Every case is reported.</summary>
public enum OverlongPolicy
{
    /// <summary>Leave the example out (the default): nothing is trained on a cut conversation.</summary>
    Drop,

    /// <summary>Keep its last sequence-length tokens: the end of a conversation holds the reply being trained on.</summary>
    TruncateLeft,

    /// <summary>
    /// Cut it into consecutive pieces of at most sequence-length tokens, each trained as its own example (the natural
    /// choice for long plain-text documents). The pieces stay one document for the held-out split.
    /// </summary>
    Split,
}
