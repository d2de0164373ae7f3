namespace Twinforge.Engine.Data;

/// <summary>
/// One training sequence of exactly the sequence length: one or more examples back to back, then padding.
/// <see cref="Labels"/>[t] is the target of position t: <c>InputIds[t + 1]</c> when that token is trainable and in
/// the same document, else <see cref="IgnoredLabel"/>; so the loss at t predicts token t + 1 and never crosses a
/// document boundary or lands on padding.
/// </summary>
public sealed class PackedSequence
{
    /// <summary>The label of positions with no target: cross-entropy's default <c>ignore_index</c>.</summary>
    public const int IgnoredLabel = -100;

    /// <summary>The document id of padding positions.</summary>
    public const int PaddingDocument = -1;

    internal readonly int[] InputIdArray, LabelArray, PositionIdArray, DocumentIdArray;

    internal PackedSequence(int[] inputIds, int[] labels, int[] positionIds, int[] documentIds, int[] examples)
    {
        InputIdArray = inputIds;
        LabelArray = labels;
        PositionIdArray = positionIds;
        DocumentIdArray = documentIds;
        Examples = examples;
        TrainableTargets = labels.Count(label => label != IgnoredLabel);
        TokenCount = documentIds.Count(document => document != PaddingDocument);
    }

    public int Length => InputIdArray.Length;

    public IReadOnlyList<int> InputIds => InputIdArray;

    /// <summary>Next-token targets, <see cref="IgnoredLabel"/> where there is none to train on.</summary>
    public IReadOnlyList<int> Labels => LabelArray;

    /// <summary>Positions, restarting at 0 at the start of each document (and of the padding).</summary>
    public IReadOnlyList<int> PositionIds => PositionIdArray;

    /// <summary>Which document of this sequence each token belongs to (0, 1, …), <see cref="PaddingDocument"/> for padding.</summary>
    public IReadOnlyList<int> DocumentIds => DocumentIdArray;

    /// <summary>The indices, in the packed example list, of the examples this sequence holds.</summary>
    public IReadOnlyList<int> Examples { get; }

    /// <summary>Positions with a target (labels other than <see cref="IgnoredLabel"/>).</summary>
    public int TrainableTargets { get; }

    /// <summary>Tokens that are not padding.</summary>
    public int TokenCount { get; }

    /// <summary>
    /// Whether position <paramref name="query"/> may attend to <paramref name="key"/> under document masking: causal
    /// within its own document (padding attends within the padding, so no row of the mask is empty).
    /// </summary>
    public bool MayAttend(int query, int key) => key <= query && DocumentIdArray[key] == DocumentIdArray[query];

    /// <summary>The (T, T) document mask, true where <see cref="MayAttend"/>; what a batch's tensor holds for this row.</summary>
    public bool[,] AttentionMask()
    {
        var mask = new bool[Length, Length];
        for (int query = 0; query < Length; query++)
            for (int key = 0; key <= query; key++)
                mask[query, key] = MayAttend(query, key);
        return mask;
    }
}
