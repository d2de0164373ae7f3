using Twinforge.Engine.Data;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

public sealed class BatchIteratorTests
{
    /// <summary><paramref name="count"/> unpacked sequences; sequence i starts with token i so rows can be told apart.</summary>
    static PackedDataset Sequences(int count, int length = 8, bool packing = false, int offset = 0) =>
        new SequencePacker(length, packing, Pad).Pack(Enumerable.Range(0, count)
            .Select(i => new TokenizedExample([offset + i, 1, 2, 3], [true, true, true, true], i)).ToList());

    static List<BatchSelection> Take(BatchIterator iterator, int count) =>
        Enumerable.Range(0, count).Select(_ => iterator.NextSelection()).ToList();

    static void AssertSame(BatchSelection expected, BatchSelection actual)
    {
        Assert.Equal(expected.Position, actual.Position);
        Assert.Equal(expected.Sequences, actual.Sequences);
        Assert.Equal(expected.ReplaySequences, actual.ReplaySequences);
    }

    [Fact]
    public void Each_epoch_visits_every_sequence_once_in_its_own_order()
    {
        var iterator = new BatchIterator(Sequences(10), batchSize: 3, seed: 4);

        var epoch0 = Take(iterator, 4);
        var epoch1 = Take(iterator, 4);

        Assert.Equal(4, iterator.BatchesPerEpoch);
        Assert.Equal([3, 3, 3, 1], epoch0.Select(batch => batch.Sequences.Count));
        Assert.Equal(Enumerable.Range(0, 10), epoch0.SelectMany(batch => batch.Sequences).Order());
        Assert.Equal(Enumerable.Range(0, 10), epoch1.SelectMany(batch => batch.Sequences).Order());
        Assert.NotEqual(epoch0.SelectMany(batch => batch.Sequences), epoch1.SelectMany(batch => batch.Sequences));
        Assert.Equal([new BatchPosition(1, 0), new BatchPosition(1, 3)], [epoch1[0].Position, epoch1[3].Position]);
        Assert.Equal(new BatchPosition(2, 0), iterator.Position);
    }

    [Fact]
    public void The_order_depends_on_the_seed_only()
    {
        var first = Take(new BatchIterator(Sequences(10), 3, seed: 4), 8).SelectMany(batch => batch.Sequences);
        var again = Take(new BatchIterator(Sequences(10), 3, seed: 4), 8).SelectMany(batch => batch.Sequences);
        var other = Take(new BatchIterator(Sequences(10), 3, seed: 5), 8).SelectMany(batch => batch.Sequences);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Resuming_from_a_saved_position_gives_the_batches_of_an_uninterrupted_run()
    {
        var replay = new ReplayMixer(Sequences(7, offset: 100), fraction: 0.25);
        var uninterrupted = Take(new BatchIterator(Sequences(11), batchSize: 4, seed: 21, replay), 12);

        var interrupted = new BatchIterator(Sequences(11), batchSize: 4, seed: 21, replay);
        Take(interrupted, 5);
        var saved = interrupted.Position;
        var resumed = Take(new BatchIterator(Sequences(11), batchSize: 4, seed: 21, replay, start: saved), 7);

        Assert.Equal(new BatchPosition(1, 1), saved);  // 11 sequences, 3 creator rows per batch: 4 batches per epoch
        for (int i = 0; i < 7; i++) AssertSame(uninterrupted[5 + i], resumed[i]);
    }

    [Fact]
    public void A_resumed_batch_has_the_same_tensors()
    {
        var data = Sequences(9, packing: true);
        var uninterrupted = new BatchIterator(data, batchSize: 2, seed: 8);
        for (int i = 0; i < 3; i++) uninterrupted.Next().Dispose();
        var resumed = new BatchIterator(data, batchSize: 2, seed: 8);
        resumed.Seek(uninterrupted.Position);

        using var expected = uninterrupted.Next();
        using var actual = resumed.Next();

        Assert.Equal(expected.InputIds.data<long>().ToArray(), actual.InputIds.data<long>().ToArray());
        Assert.Equal(expected.Labels.data<long>().ToArray(), actual.Labels.data<long>().ToArray());
        Assert.Equal(expected.AttentionMask!.data<bool>().ToArray(), actual.AttentionMask!.data<bool>().ToArray());
    }

    [Fact]
    public void A_position_outside_the_epoch_is_refused()
    {
        var iterator = new BatchIterator(Sequences(10), batchSize: 3, seed: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => iterator.Seek(new BatchPosition(0, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => iterator.Seek(new BatchPosition(-1, 0)));
    }

    [Fact]
    public void Replay_fills_its_share_of_every_batch_deterministically()
    {
        var replay = new ReplayMixer(Sequences(20, offset: 100), fraction: 0.25);
        var iterator = new BatchIterator(Sequences(10), batchSize: 8, seed: 3, replay);

        var batches = Take(iterator, 2 * iterator.BatchesPerEpoch);

        Assert.Equal((2, 6, 2), (iterator.ReplaySequencesPerBatch, iterator.SequencesPerBatch, iterator.BatchesPerEpoch));
        Assert.All(batches, batch => Assert.Equal(2, batch.ReplaySequences.Count));
        Assert.All(batches, batch => Assert.Equal(2, batch.ReplaySequences.Distinct().Count()));
        Assert.Equal([6, 4, 6, 4], batches.Select(batch => batch.Sequences.Count));
        Assert.True(batches.SelectMany(batch => batch.ReplaySequences).Distinct().Count() > 2);
        Assert.Equal(replay.Draw(3, new BatchPosition(1, 1), 2), batches[3].ReplaySequences);

        using var tensors = iterator.Build(batches[0]);
        Assert.Equal((8L, 2), (tensors.BatchSize, tensors.ReplaySequences));
        var firstTokens = tensors.InputIds.select(1, 0).data<long>().ToArray();
        Assert.All(firstTokens[..6], token => Assert.InRange(token, 0, 9));      // creator rows first
        Assert.All(firstTokens[6..], token => Assert.InRange(token, 100, 119));  // then replay rows
    }

    [Theory]
    [InlineData(0.0, 8, 0)]
    [InlineData(0.1, 4, 0)]
    [InlineData(0.125, 4, 1)]
    [InlineData(0.5, 5, 3)]
    [InlineData(0.9, 4, 3)]
    [InlineData(0.6, 1, 0)]
    public void The_replay_share_is_round_fraction_times_batch_size_leaving_room_for_creator_data(double fraction, int batchSize, int replayed)
    {
        Assert.Equal(replayed, new ReplayMixer(Sequences(3), fraction).SequencesPerBatch(batchSize));
    }

    [Fact]
    public void Replay_data_must_be_packed_like_the_training_data()
    {
        var replay = new ReplayMixer(Sequences(5, length: 16), fraction: 0.5);

        Assert.Throws<ArgumentException>(() => new BatchIterator(Sequences(5, length: 8), batchSize: 2, seed: 1, replay));
    }

    [Fact]
    public void In_order_batches_cover_every_sequence_once_for_evaluation()
    {
        var data = Sequences(7);

        var rows = BatchIterator.InOrder(data, batchSize: 3).Select(batch =>
        {
            using (batch) return batch.InputIds.select(1, 0).data<long>().ToArray();
        }).ToList();

        Assert.Equal([3, 3, 1], rows.Select(row => row.Length));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), rows.SelectMany(row => row));
    }
}
