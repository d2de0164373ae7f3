using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// Lays tokenized examples out as sequences of exactly <see cref="SequenceLength"/> tokens. With packing, examples
/// are placed back to back in order and a sequence is closed (and padded) when the next example does not fit, so no
/// example is cut across sequences; batches then carry a document mask so no token attends across documents. Without
/// packing, each example gets its own padded sequence. Positions restart at 0 with every document; labels are the
/// next token where it is trainable and in the same document (see <see cref="PackedSequence"/>).
/// </summary>
/// <example><code>var train = SequencePacker.For(tokenizer, sequenceLength: 256, packing: true).Pack(examples);</code></example>
public sealed class SequencePacker
{
    public SequencePacker(int sequenceLength, bool packing, int paddingId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(paddingId);
        SequenceLength = sequenceLength;
        Packing = packing;
        PaddingId = paddingId;
    }

    /// <summary>A packer padding with the tokenizer's pad token, or its eos, or 0 (padding is never a target).</summary>
    public static SequencePacker For(ITokenizer tokenizer, int sequenceLength, bool packing)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new SequencePacker(sequenceLength, packing, tokenizer.Special.Pad ?? tokenizer.Special.Eos ?? 0);
    }

    public int SequenceLength { get; }

    public bool Packing { get; }

    public int PaddingId { get; }

    /// <exception cref="ArgumentException">An example is empty or longer than <see cref="SequenceLength"/> (validated data never is).</exception>
    public PackedDataset Pack(IReadOnlyList<TokenizedExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i].Length == 0 || examples[i].Length > SequenceLength)
                throw new ArgumentException($"example {i} has {examples[i].Length} tokens; 1 to {SequenceLength} fit a sequence", nameof(examples));
            if (examples[i].Trainable.Length != examples[i].Length)
                throw new ArgumentException($"example {i} has {examples[i].Length} tokens but {examples[i].Trainable.Length} trainable flags", nameof(examples));
        }
        var groups = Plan(examples.Select(example => example.Length), SequenceLength, Packing);
        return new PackedDataset(groups.Select(group => Build(examples, group)).ToList(), SequenceLength, Packing);
    }

    /// <summary>How many sequences <see cref="Pack"/> makes from examples of these lengths, in this order.</summary>
    public static int CountSequences(IEnumerable<int> exampleLengths, int sequenceLength, bool packing) =>
        Plan(exampleLengths, sequenceLength, packing).Count;

    /// <summary>The indices of the examples each sequence holds: consecutive runs that fit, or one each without packing.</summary>
    static List<int[]> Plan(IEnumerable<int> lengths, int sequenceLength, bool packing)
    {
        var groups = new List<int[]>();
        var current = new List<int>();
        int used = 0, index = 0;
        foreach (int length in lengths)
        {
            if (current.Count > 0 && (!packing || used + length > sequenceLength))
            {
                groups.Add(current.ToArray());
                current.Clear();
                used = 0;
            }
            current.Add(index++);
            used += length;
        }
        if (current.Count > 0) groups.Add(current.ToArray());
        return groups;
    }

    PackedSequence Build(IReadOnlyList<TokenizedExample> examples, int[] group)
    {
        int length = SequenceLength;
        var inputIds = new int[length];
        var trainable = new bool[length];
        var positionIds = new int[length];
        var documentIds = new int[length];
        int offset = 0;
        for (int document = 0; document < group.Length; document++)
        {
            var example = examples[group[document]];
            example.Ids.CopyTo(inputIds, offset);
            example.Trainable.CopyTo(trainable, offset);
            for (int i = 0; i < example.Length; i++)
            {
                positionIds[offset + i] = i;
                documentIds[offset + i] = document;
            }
            offset += example.Length;
        }
        for (int i = offset; i < length; i++)
        {
            inputIds[i] = PaddingId;
            positionIds[i] = i - offset;
            documentIds[i] = PackedSequence.PaddingDocument;
        }

        // labels[t] = ids[t + 1] when token t + 1 is trained on and belongs to t's document.
        var labels = new int[length];
        Array.Fill(labels, PackedSequence.IgnoredLabel);
        for (int t = 0; t + 1 < length; t++)
        {
            if (documentIds[t] != PackedSequence.PaddingDocument && documentIds[t + 1] == documentIds[t] && trainable[t + 1])
                labels[t] = inputIds[t + 1];
        }
        return new PackedSequence(inputIds, labels, positionIds, documentIds, group);
    }
}
