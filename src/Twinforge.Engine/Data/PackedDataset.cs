namespace Twinforge.Engine.Data;

/// <summary>Sequences ready for batching, all of one length, made by <see cref="SequencePacker"/>.</summary>
public sealed class PackedDataset
{
    internal PackedDataset(IReadOnlyList<PackedSequence> sequences, int sequenceLength, bool usesDocumentMask)
    {
        Sequences = sequences;
        SequenceLength = sequenceLength;
        UsesDocumentMask = usesDocumentMask;
    }

    public IReadOnlyList<PackedSequence> Sequences { get; }

    public int Count => Sequences.Count;

    public int SequenceLength { get; }

    /// <summary>
    /// True when examples are packed and batches carry a document attention mask; false for one padded example per
    /// sequence under plain causal attention.
    /// </summary>
    public bool UsesDocumentMask { get; }

    /// <summary>Targets the loss is computed on, over all sequences.</summary>
    public long TrainableTargets => Sequences.Sum(sequence => (long)sequence.TrainableTargets);

    /// <summary>Tokens that are not padding.</summary>
    public long TokenCount => Sequences.Sum(sequence => (long)sequence.TokenCount);
}
