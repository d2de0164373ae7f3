namespace Twinforge.Engine.Data;

/// <summary>
/// Batches over packed sequences, epoch after epoch. Each epoch visits every sequence once in an order drawn from
/// (seed, epoch) alone, not from a generator's running state, so the batch at any <see cref="BatchPosition"/> is a
/// pure function of the data, the seed and the position: save <see cref="Position"/> with a checkpoint and construct
/// with it to resume exactly. The last batch of an epoch may be smaller. With a <see cref="ReplayMixer"/> each batch
/// ends with general-domain sequences.
/// </summary>
/// <example><code>
/// var batches = new BatchIterator(data.Train, batchSize: 8, seed: 7, start: savedPosition);
/// using var batch = batches.Next();
/// checkpoint.Position = batches.Position;
/// </code></example>
public sealed class BatchIterator
{
    int _cachedEpoch = -1;
    int[] _cachedOrder = [];

    public BatchIterator(PackedDataset data, int batchSize, long seed, ReplayMixer? replay = null, BatchPosition start = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0) throw new ArgumentException("there are no sequences to batch", nameof(data));
        if (replay is not null && (replay.Data.SequenceLength != data.SequenceLength || replay.Data.UsesDocumentMask != data.UsesDocumentMask))
            throw new ArgumentException(
                $"the replay set must be packed like the training set ({data.SequenceLength} tokens, packing {(data.UsesDocumentMask ? "on" : "off")}); " +
                $"it has {replay.Data.SequenceLength} tokens, packing {(replay.Data.UsesDocumentMask ? "on" : "off")}", nameof(replay));
        Data = data;
        BatchSize = batchSize;
        Seed = seed;
        Replay = replay;
        ReplaySequencesPerBatch = replay?.SequencesPerBatch(batchSize) ?? 0;
        SequencesPerBatch = batchSize - ReplaySequencesPerBatch;
        BatchesPerEpoch = (data.Count + SequencesPerBatch - 1) / SequencesPerBatch;
        Seek(start);
    }

    public PackedDataset Data { get; }

    /// <summary>Rows per batch, creator and replay together.</summary>
    public int BatchSize { get; }

    public long Seed { get; }

    public ReplayMixer? Replay { get; }

    /// <summary>Creator sequences per batch (the last batch of an epoch may have fewer).</summary>
    public int SequencesPerBatch { get; }

    /// <summary>Replay sequences per batch.</summary>
    public int ReplaySequencesPerBatch { get; }

    public int BatchesPerEpoch { get; }

    /// <summary>The position of the batch <see cref="Next"/> returns next.</summary>
    public BatchPosition Position { get; private set; }

    /// <summary>Continues from a saved position.</summary>
    public void Seek(BatchPosition position)
    {
        if (position.Epoch < 0 || position.Index < 0 || position.Index >= BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"a position needs epoch ≥ 0 and 0 ≤ batch < {BatchesPerEpoch} (the batches per epoch of this data and batch size)");
        Position = position;
    }

    /// <summary>The order in which an epoch visits the sequences.</summary>
    public IReadOnlyList<int> EpochOrder(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (epoch != _cachedEpoch)
        {
            _cachedOrder = SplitMix64.Derive(Seed, RandomStreams.BatchOrder, epoch).Permutation(Data.Count);
            _cachedEpoch = epoch;
        }
        return _cachedOrder;
    }

    /// <summary>The sequences of the batch at a position, without moving.</summary>
    public BatchSelection SelectionAt(BatchPosition position)
    {
        if (position.Epoch < 0 || position.Index < 0 || position.Index >= BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"batches per epoch: {BatchesPerEpoch}");
        var order = EpochOrder(position.Epoch);
        int start = position.Index * SequencesPerBatch;
        var creator = order.Skip(start).Take(SequencesPerBatch).ToArray();
        var replay = Replay?.Draw(Seed, position, ReplaySequencesPerBatch) ?? [];
        return new BatchSelection(position, creator, replay);
    }

    /// <summary>The next batch's sequences; moves on (to the next epoch after the last batch).</summary>
    public BatchSelection NextSelection()
    {
        var selection = SelectionAt(Position);
        Position = Position.Index + 1 < BatchesPerEpoch ? Position with { Index = Position.Index + 1 } : new BatchPosition(Position.Epoch + 1, 0);
        return selection;
    }

    /// <summary>The next batch as tensors; moves on.</summary>
    public TrainingBatch Next() => Build(NextSelection());

    /// <summary>The tensors of a selection: creator rows first, then replay rows.</summary>
    public TrainingBatch Build(BatchSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var rows = selection.Sequences.Select(index => Data.Sequences[index]).ToList();
        if (selection.ReplaySequences.Count > 0)
        {
            var replay = Replay ?? throw new ArgumentException("the selection has replay sequences but this iterator has no replay set", nameof(selection));
            rows.AddRange(selection.ReplaySequences.Select(index => replay.Data.Sequences[index]));
        }
        return TrainingBatch.Create(rows, Data.UsesDocumentMask, selection.ReplaySequences.Count);
    }

    /// <summary>Every sequence once, in order, in batches of <paramref name="batchSize"/>: for evaluation.</summary>
    public static IEnumerable<TrainingBatch> InOrder(PackedDataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (int start = 0; start < data.Count; start += batchSize)
            yield return TrainingBatch.Create(data.Sequences.Skip(start).Take(batchSize).ToList(), data.UsesDocumentMask);
    }
}
