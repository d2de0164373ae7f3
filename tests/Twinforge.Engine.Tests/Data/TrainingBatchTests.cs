using Twinforge.Engine.Data;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

public sealed class TrainingBatchTests
{
    static readonly int[] Lengths = [5, 4, 6, 3, 7];

    static List<TokenizedExample> SmallVocabularyExamples(int vocabularySize) => Lengths
        .Select((length, i) => new TokenizedExample(
            TinyModels.RandomTokens(length, vocabularySize, seed: 40 + i).Select(id => (int)id).ToArray(),
            Enumerable.Repeat(true, length).ToArray(), i))
        .ToList();

    [Fact]
    public void A_packed_batch_holds_int64_ids_labels_positions_a_bool_document_mask_and_the_target_count()
    {
        var packed = new SequencePacker(16, packing: true, Pad).Pack(Enumerable.Range(0, 6).Select(i => Example(i, 3 + i, seed: i)).ToList());

        using var batch = TrainingBatch.Create(packed.Sequences, documentMask: true);

        long rows = packed.Count;
        Assert.Equal([rows, 16L], batch.InputIds.shape);
        Assert.Equal([rows, 16L], batch.Labels.shape);
        Assert.Equal([rows, 16L], batch.PositionIds.shape);
        Assert.Equal([rows, 1L, 16L, 16L], batch.AttentionMask!.shape);
        Assert.Equal((ScalarType.Int64, ScalarType.Int64, ScalarType.Int64, ScalarType.Bool),
            (batch.InputIds.dtype, batch.Labels.dtype, batch.PositionIds.dtype, batch.AttentionMask.dtype));
        Assert.Equal(packed.Sequences.SelectMany(sequence => sequence.InputIds).Select(id => (long)id), batch.InputIds.data<long>().ToArray());
        Assert.Equal(packed.Sequences.SelectMany(sequence => sequence.Labels).Select(id => (long)id), batch.Labels.data<long>().ToArray());
        Assert.Equal(packed.Sequences.SelectMany(sequence => sequence.PositionIds).Select(id => (long)id), batch.PositionIds.data<long>().ToArray());
        Assert.Equal(packed.TrainableTargets, batch.TrainableTargets);
        Assert.Equal(batch.Labels.ne(Ignored).sum().item<long>(), batch.TrainableTargets);

        // The mask tensor is each sequence's (T, T) document mask.
        var mask = batch.AttentionMask.data<bool>().ToArray();
        for (int row = 0; row < rows; row++)
        {
            var expected = packed.Sequences[row].AttentionMask();
            for (int query = 0; query < 16; query++)
                for (int key = 0; key < 16; key++)
                    Assert.Equal(expected[query, key], mask[(row * 16 + query) * 16 + key]);
        }
    }

    [Fact]
    public void An_unpacked_batch_has_no_mask()
    {
        var packed = new SequencePacker(16, packing: false, Pad).Pack([Example(0, 5, seed: 1), Example(1, 9, seed: 2)]);

        using var batch = TrainingBatch.Create(packed.Sequences, documentMask: false);

        Assert.Null(batch.AttentionMask);
        Assert.Equal([2L, 16L], batch.InputIds.shape);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void A_packed_forward_gives_each_document_the_logits_it_has_alone(string family)
    {
        // The mask is what stops leakage: with it, a document's logits must not depend on its neighbours.
        var config = TinyModels.ByName(family);
        using var model = TinyModels.Create(config);
        var examples = SmallVocabularyExamples(config.VocabularySize);
        var packed = new SequencePacker(20, packing: true, paddingId: 0).Pack(examples);
        Assert.Contains(packed.Sequences, sequence => sequence.Examples.Count > 1);

        using var batch = TrainingBatch.Create(packed.Sequences, documentMask: true);
        using var noGrad = no_grad();
        using var logits = model.Forward(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask);

        for (int row = 0; row < packed.Count; row++)
        {
            int offset = 0;
            foreach (int index in packed.Sequences[row].Examples)
            {
                var ids = examples[index].Ids.Select(id => (long)id).ToArray();
                using var alone = model.Forward(tensor(ids).unsqueeze(0));
                using var inPack = logits[row].narrow(0, offset, ids.Length);
                Assert.True(inPack.allclose(alone[0], rtol: 1e-4, atol: 1e-5), $"document {index} of row {row} differs when packed");
                offset += ids.Length;
            }
        }
    }
}
