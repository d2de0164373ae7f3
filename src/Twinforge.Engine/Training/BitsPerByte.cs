using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Training;

/// <summary>
/// Loss per UTF-8 byte of text, in bits: a figure that compares models whose tokenizers cut text differently (a loss
/// per token does not: a tokenizer with longer tokens has fewer, harder predictions). bits/byte = total nats / ln 2 /
/// bytes, as in "The Pile" (Gao et al. 2020, §5) and llm.c's evaluations.
/// </summary>
/// <example><code>double bpb = BitsPerByte.FromLoss(evaluation.Loss, evaluation.Targets, BitsPerByte.TargetBytes(data, tokenizer));</code></example>
public static class BitsPerByte
{
    /// <param name="meanLossPerToken">Mean cross-entropy in nats over <paramref name="targets"/> tokens.</param>
    /// <param name="targets">Tokens the mean was taken over.</param>
    /// <param name="textBytes">UTF-8 bytes those tokens stand for.</param>
    public static double FromLoss(double meanLossPerToken, long targets, long textBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(textBytes);
        return meanLossPerToken * targets / Math.Log(2) / textBytes;
    }

    /// <summary>
    /// The UTF-8 bytes of every target token in <paramref name="data"/> (labels other than ignored). Special tokens
    /// count no bytes: they are not text, though their loss counts, as it does for any tokenizer with the same markers.
    /// </summary>
    public static long TargetBytes(PackedDataset data, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(data);
        long bytes = 0;
        foreach (var sequence in data.Sequences)
            foreach (int label in sequence.LabelArray)
                if (label != PackedSequence.IgnoredLabel) bytes += TextBytes(tokenizer, label);
        return bytes;
    }

    static int TextBytes(ITokenizer tokenizer, int id) => tokenizer switch
    {
        ByteLevelTokenizer => id < ByteLevelTokenizer.ByteCount ? 1 : 0,
        HuggingFaceTokenizer huggingFace => huggingFace.TextByteCount(id),
        _ => throw new ArgumentException($"bytes per token are not known for a {tokenizer.GetType().Name}", nameof(tokenizer)),
    };
}
