using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Data;

/// <summary>
/// A batch as the model takes it: (B, T) int64 input ids, labels and position ids, and with packing a (B, 1, T, T)
/// boolean attention mask (true = may attend: causal within each document). Owns its tensors.
/// </summary>
/// <example><code>
/// using var batch = iterator.Next();
/// using var logits = model.Forward(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask);
/// using var loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.Labels.flatten(), ignore_index: PackedSequence.IgnoredLabel);
/// </code></example>
public sealed class TrainingBatch : IDisposable
{
    TrainingBatch(Tensor inputIds, Tensor labels, Tensor positionIds, Tensor? attentionMask, long trainableTargets, int replaySequences)
    {
        InputIds = inputIds;
        Labels = labels;
        PositionIds = positionIds;
        AttentionMask = attentionMask;
        TrainableTargets = trainableTargets;
        ReplaySequences = replaySequences;
    }

    /// <summary>(B, T) int64 token ids.</summary>
    public Tensor InputIds { get; }

    /// <summary>(B, T) int64 next-token targets, <see cref="PackedSequence.IgnoredLabel"/> where there is none.</summary>
    public Tensor Labels { get; }

    /// <summary>(B, T) int64 positions, restarting at each document.</summary>
    public Tensor PositionIds { get; }

    /// <summary>(B, 1, T, T) bool document mask, or null without packing (plain causal attention).</summary>
    public Tensor? AttentionMask { get; }

    /// <summary>Number of labels that are targets: the loss's denominator when it is averaged over tokens.</summary>
    public long TrainableTargets { get; }

    /// <summary>How many of the batch's rows (the last ones) are replayed general-domain sequences.</summary>
    public int ReplaySequences { get; }

    public long BatchSize => InputIds.shape[0];

    public long SequenceLength => InputIds.shape[1];

    /// <summary>Stacks sequences of one length into a batch; with <paramref name="documentMask"/> it carries their masks.</summary>
    public static TrainingBatch Create(IReadOnlyList<PackedSequence> sequences, bool documentMask, int replaySequences = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("a batch needs at least one sequence", nameof(sequences));
        int batch = sequences.Count, length = sequences[0].Length;
        if (sequences.Any(sequence => sequence.Length != length))
            throw new ArgumentException("all sequences of a batch must have the same length", nameof(sequences));
        ArgumentOutOfRangeException.ThrowIfNegative(replaySequences);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replaySequences, batch);

        var inputIds = new long[batch * length];
        var labels = new long[batch * length];
        var positionIds = new long[batch * length];
        var documentIds = documentMask ? new long[batch * length] : null;
        long targets = 0;
        for (int row = 0; row < batch; row++)
        {
            var sequence = sequences[row];
            int offset = row * length;
            for (int t = 0; t < length; t++)
            {
                inputIds[offset + t] = sequence.InputIdArray[t];
                labels[offset + t] = sequence.LabelArray[t];
                positionIds[offset + t] = sequence.PositionIdArray[t];
                if (documentIds is not null) documentIds[offset + t] = sequence.DocumentIdArray[t];
            }
            targets += sequence.TrainableTargets;
        }

        long[] shape = [batch, length];
        using var scope = NewDisposeScope();
        var inputTensor = tensor(inputIds, shape, int64);
        var labelTensor = tensor(labels, shape, int64);
        var positionTensor = tensor(positionIds, shape, int64);
        Tensor? mask = null;
        if (documentIds is not null)
        {
            // mask[b, 0, q, k] = same document and k ≤ q  (B, T) → (B, T, T) → (B, 1, T, T)
            var documents = tensor(documentIds, shape, int64);
            var sameDocument = documents.unsqueeze(2).eq(documents.unsqueeze(1));
            var causal = ones([length, length], ScalarType.Bool).tril();
            mask = sameDocument.logical_and(causal).unsqueeze(1).MoveToOuterDisposeScope();
        }
        return new TrainingBatch(inputTensor.MoveToOuterDisposeScope(), labelTensor.MoveToOuterDisposeScope(),
            positionTensor.MoveToOuterDisposeScope(), mask, targets, replaySequences);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        PositionIds.Dispose();
        AttentionMask?.Dispose();
    }
}
