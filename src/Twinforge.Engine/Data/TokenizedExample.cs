namespace Twinforge.Engine.Data;

/// <summary>
/// One training example as tokens: a chat conversation, a prompt with its completion, a plain-text document, or a
/// piece of an over-long one. <see cref="Trainable"/>[i] says whether token i is trained on (predicted by the loss).
/// </summary>
/// <param name="Ids">Token ids, at most the sequence length of the run.</param>
/// <param name="Trainable">One flag per token: true for assistant content and its end-of-turn marker, completions, plain text.</param>
/// <param name="Document">The document it comes from, numbered from 0 over the dataset; pieces of one document share it.</param>
/// <param name="FilePath">The file it was read from ("" for examples built in code).</param>
/// <param name="Line">Its 1-based line in that file (0 for examples built in code).</param>
public sealed record TokenizedExample(int[] Ids, bool[] Trainable, int Document, string FilePath = "", long Line = 0)
{
    public int Length => Ids.Length;

    /// <summary>
    /// Tokens the loss predicts: trainable tokens after the first, since a document's first token has nothing before
    /// it in its document to be predicted from.
    /// </summary>
    public int TrainableTargets
    {
        get
        {
            int count = 0;
            for (int i = 1; i < Trainable.Length; i++) if (Trainable[i]) count++;
            return count;
        }
    }
}
