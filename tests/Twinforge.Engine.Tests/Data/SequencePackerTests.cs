using Twinforge.Engine.Data;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

public sealed class SequencePackerTests
{
    static readonly int[] Lengths = [5, 7, 4, 9, 3, 12, 1];

    static List<TokenizedExample> Examples() => Lengths.Select((length, i) => Example(i, length, seed: 100 + i)).ToList();

    [Fact]
    public void Packing_fills_sequences_in_order_without_cutting_an_example()
    {
        var packed = new SequencePacker(12, packing: true, Pad).Pack(Examples());

        // 5+7 | 4 (9 does not fit) | 9+3 | 12 | 1
        Assert.Equal([[0, 1], [2], [3, 4], [5], [6]], packed.Sequences.Select(sequence => sequence.Examples.ToArray()));
        Assert.All(packed.Sequences, sequence => Assert.Equal(12, sequence.Length));
        Assert.Equal(SequencePacker.CountSequences(Lengths, 12, packing: true), packed.Count);
        Assert.Equal(Lengths.Sum(), packed.TokenCount);
        Assert.True(packed.UsesDocumentMask);
    }

    [Fact]
    public void Each_sequence_holds_its_examples_then_padding_with_restarting_positions_and_document_ids()
    {
        var examples = Examples();
        var packed = new SequencePacker(12, packing: true, Pad).Pack(examples);

        foreach (var sequence in packed.Sequences)
        {
            var expectedIds = new List<int>();
            var expectedPositions = new List<int>();
            var expectedDocuments = new List<int>();
            for (int document = 0; document < sequence.Examples.Count; document++)
            {
                var example = examples[sequence.Examples[document]];
                expectedIds.AddRange(example.Ids);
                expectedPositions.AddRange(Enumerable.Range(0, example.Length));
                expectedDocuments.AddRange(Enumerable.Repeat(document, example.Length));
            }
            int padding = 12 - expectedIds.Count;
            expectedIds.AddRange(Enumerable.Repeat(Pad, padding));
            expectedPositions.AddRange(Enumerable.Range(0, padding));
            expectedDocuments.AddRange(Enumerable.Repeat(PackedSequence.PaddingDocument, padding));

            Assert.Equal(expectedIds, sequence.InputIds);
            Assert.Equal(expectedPositions, sequence.PositionIds);
            Assert.Equal(expectedDocuments, sequence.DocumentIds);
        }
    }

    [Fact]
    public void Labels_are_next_trainable_tokens_of_the_same_document_and_never_cross_a_boundary()
    {
        var examples = Examples();
        var packed = new SequencePacker(12, packing: true, Pad).Pack(examples);

        foreach (var sequence in packed.Sequences)
        {
            // Independent expectation: each example's own shifted labels, then padding's.
            var expected = sequence.Examples.SelectMany(index => ShiftedLabels(examples[index].Ids, examples[index].Trainable)).ToList();
            expected.AddRange(Enumerable.Repeat(Ignored, 12 - expected.Count));
            Assert.Equal(expected, sequence.Labels);
            for (int t = 0; t < 12; t++)
            {
                if (sequence.Labels[t] == Ignored) continue;
                Assert.Equal(sequence.DocumentIds[t], sequence.DocumentIds[t + 1]);
                Assert.NotEqual(PackedSequence.PaddingDocument, sequence.DocumentIds[t]);
                Assert.Equal(sequence.InputIds[t + 1], sequence.Labels[t]);
            }
            Assert.Equal(expected.Count(label => label != Ignored), sequence.TrainableTargets);
        }
        Assert.Equal(examples.Sum(example => (long)example.TrainableTargets), packed.TrainableTargets);
    }

    [Fact]
    public void The_document_mask_is_causal_within_a_document_and_blocks_other_documents()
    {
        var sequence = new SequencePacker(12, packing: true, Pad).Pack(Examples()).Sequences[0];  // 5 + 7 tokens
        var mask = sequence.AttentionMask();

        for (int query = 0; query < 12; query++)
        {
            for (int key = 0; key < 12; key++)
            {
                bool sameDocument = (query < 5) == (key < 5);
                Assert.Equal(sameDocument && key <= query, mask[query, key]);
            }
        }
    }

    [Fact]
    public void Without_packing_each_example_gets_its_own_padded_sequence()
    {
        var examples = Examples();
        var packed = new SequencePacker(12, packing: false, Pad).Pack(examples);

        Assert.Equal(examples.Count, packed.Count);
        Assert.False(packed.UsesDocumentMask);
        for (int i = 0; i < examples.Count; i++)
        {
            var sequence = packed.Sequences[i];
            int length = examples[i].Length;
            Assert.Equal([.. examples[i].Ids, .. Enumerable.Repeat(Pad, 12 - length)], sequence.InputIds);
            Assert.Equal([.. ShiftedLabels(examples[i].Ids, examples[i].Trainable), .. Enumerable.Repeat(Ignored, 12 - length)], sequence.Labels);
            Assert.Equal([.. Enumerable.Range(0, length), .. Enumerable.Range(0, 12 - length)], sequence.PositionIds);
        }
    }

    [Fact]
    public void Padding_uses_the_pad_token_else_eos()
    {
        Assert.Equal(Pad, SequencePacker.For(Tokenizer, 8, packing: true).PaddingId);
        var noPad = new Twinforge.Engine.Tokenization.ByteLevelTokenizer([Twinforge.Engine.Tokenization.ByteLevelTokenizer.EndOfTextToken]);
        Assert.Equal(Eos, SequencePacker.For(noPad, 8, packing: true).PaddingId);
    }

    [Fact]
    public void An_example_longer_than_the_sequence_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequencePacker(8, packing: true, Pad).Pack([Example(0, 9, seed: 1)]));
        Assert.Contains("9 tokens", error.Message);
    }
}
