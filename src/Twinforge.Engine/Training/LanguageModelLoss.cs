using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// Next-token cross-entropy over a batch's target labels only: prompt, system and user tokens, padding and document
/// boundaries carry <see cref="PackedSequence.IgnoredLabel"/> and contribute nothing. The loss is returned summed,
/// not averaged, so batches of a gradient-accumulation window can be weighted by their true target counts.
/// </summary>
public static class LanguageModelLoss
{
    /// <summary>The summed loss (a scalar with autograd) and the batch's target count.</summary>
    public static (Tensor SummedLoss, long Targets) Compute(CausalLanguageModel model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask);
        var loss = nn.functional.cross_entropy(logits.flatten(0, 1).to(ScalarType.Float32), batch.Labels.flatten(),
            ignore_index: PackedSequence.IgnoredLabel, reduction: nn.Reduction.Sum);
        return (loss.MoveToOuterDisposeScope(), batch.TrainableTargets);
    }

    /// <summary>Token positions whose logits exist at once in <see cref="Backward"/>: 256 × 50257 float32 logits are 51 MB.</summary>
    public const int DefaultRowsPerChunk = 256;

    /// <summary>
    /// With activation checkpointing a block's recomputed activations are the other large term, about 80 KB per
    /// position for GPT-2 124M; half the chunk keeps the head's share of the peak below that block's.
    /// </summary>
    public const int CheckpointedRowsPerChunk = 128;

    /// <summary>
    /// Forward and backward of one training batch, with the output head and the loss taken
    /// <paramref name="rowsPerChunk"/> token positions at a time: a chunk's logits (rows × vocabulary; for 2048 GPT-2
    /// positions all of them would be 412 MB in float32, with as much again for their log-probabilities and each of
    /// their gradients) are freed as soon as its gradient has reached the hidden states, and the body's backward runs
    /// once from there. The gradients of (summed loss · <paramref name="scale"/>) accumulate into the parameters'
    /// <c>.grad</c>, as one <see cref="Compute"/> then backward would give. Returns the summed loss, detached, as a
    /// float64 scalar on the model's device.
    /// </summary>
    /// <remarks>With <c>checkpointActivations</c> only each block's input is kept and the block is recomputed during
    /// the backward pass (<see cref="CausalLanguageModel.CheckpointedBackward"/>): the same gradients, a fraction of
    /// the activation memory, about one more forward pass of compute.</remarks>
    public static Tensor Backward(CausalLanguageModel model, TrainingBatch batch, double scale, int rowsPerChunk = DefaultRowsPerChunk,
        bool checkpointActivations = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerChunk, 1);
        // Upcast weights saved for the backward pass would add up to a float32 copy of the model; recomputed block by
        // block, one block's are alive at a time (CausalLanguageModel.WidensWeights).
        checkpointActivations |= model.WidensWeights;
        using var scope = NewDisposeScope();
        var labels = batch.Labels.flatten();
        var summed = checkpointActivations
            ? model.CheckpointedBackward(batch.InputIds, batch.PositionIds, batch.AttentionMask,
                hidden => HeadBackward(model, hidden, labels, scale, rowsPerChunk))
            : HeadBackward(model, model.Hidden(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask),
                labels, scale, rowsPerChunk);
        return summed.MoveToOuterDisposeScope();
    }

    /// <summary>The head and loss over (B, T, C) hidden states in chunks of rows, then one backward into the body.</summary>
    static Tensor HeadBackward(CausalLanguageModel model, Tensor hidden, Tensor labels, double scale, int rowsPerChunk)
    {
        // The graph is cut between the body and the head: (B·T, C) rows as a leaf collect the head's gradient chunk by chunk.
        var rows = hidden.detach().flatten(0, 1).requires_grad_(true);
        using var head = model.HoldWidenedHead();
        var summed = zeros([], ScalarType.Float64, hidden.device);
        long count = rows.shape[0];
        for (long start = 0; start < count; start += rowsPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            long length = Math.Min(rowsPerChunk, count - start);
            var logits = model.Logits(rows.narrow(0, start, length)).to(ScalarType.Float32);
            var loss = nn.functional.cross_entropy(logits, labels.narrow(0, start, length), ignore_index: PackedSequence.IgnoredLabel,
                reduction: nn.Reduction.Sum);
            loss.Times(scale).backward();
            summed.PlusInPlace(loss.detach().to(ScalarType.Float64));
        }
        if (hidden.requires_grad && rows.grad is Tensor rowsGradient) hidden.backward([rowsGradient.view(hidden.shape)]);
        return summed;
    }

    /// <summary>
    /// Summed loss, correct argmax predictions and targets of a batch, without gradients. The head and loss run
    /// <paramref name="rowsPerChunk"/> token positions at a time, as in <see cref="Backward"/>, so the batch's
    /// (rows × vocabulary) logits never exist at once; the chunks' sums are added in float64 on the device and read
    /// once.
    /// </summary>
    public static (double SummedLoss, long Correct, long Targets) Score(CausalLanguageModel model, TrainingBatch batch,
        int rowsPerChunk = DefaultRowsPerChunk)
    {
        using var scope = NewDisposeScope();
        var device = batch.InputIds.device;
        var summedLoss = zeros([], ScalarType.Float64, device);
        var correct = zeros([], ScalarType.Int64, device);
        ForEachChunk(model, batch, rowsPerChunk, (logits, chunkLabels, _) =>
        {
            var loss = nn.functional.cross_entropy(logits, chunkLabels, ignore_index: PackedSequence.IgnoredLabel, reduction: nn.Reduction.Sum);
            summedLoss.PlusInPlace(loss.to(ScalarType.Float64));
            correct.PlusInPlace(logits.argmax(-1).eq(chunkLabels).logical_and(chunkLabels.NotEqualTo(PackedSequence.IgnoredLabel)).sum());
        });
        var targets = batch.Labels.NotEqualTo(PackedSequence.IgnoredLabel).sum();
        return (summedLoss.item<double>(), correct.item<long>(), targets.item<long>());
    }

    /// <summary>
    /// Each position's loss (nats; 0 where the label is ignored), row-major over the batch's (B × T) positions: what
    /// <see cref="Score"/> sums, kept apart so losses can be gathered per document.
    /// </summary>
    public static double[] PositionLosses(CausalLanguageModel model, TrainingBatch batch, int rowsPerChunk = DefaultRowsPerChunk)
    {
        var losses = new double[batch.BatchSize * batch.SequenceLength];
        ForEachChunk(model, batch, rowsPerChunk, (logits, chunkLabels, start) =>
        {
            var loss = nn.functional.cross_entropy(logits, chunkLabels, ignore_index: PackedSequence.IgnoredLabel, reduction: nn.Reduction.None);
            loss.to(ScalarType.Float64).cpu().data<double>().CopyTo(losses.AsSpan((int)start, (int)chunkLabels.shape[0]));
        });
        return losses;
    }

    /// <summary>
    /// Runs the model without gradients and hands <paramref name="score"/> the float32 logits and labels of
    /// <paramref name="rowsPerChunk"/> positions at a time, with the first position's index, each chunk in its own
    /// dispose scope.
    /// </summary>
    static void ForEachChunk(CausalLanguageModel model, TrainingBatch batch, int rowsPerChunk, Action<Tensor, Tensor, long> score)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerChunk, 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = model.Hidden(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask).flatten(0, 1);
        using var head = model.HoldWidenedHead();
        var labels = batch.Labels.flatten();
        long count = rows.shape[0];
        for (long start = 0; start < count; start += rowsPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            long length = Math.Min(rowsPerChunk, count - start);
            score(model.Logits(rows.narrow(0, start, length)).to(ScalarType.Float32), labels.narrow(0, start, length), start);
        }
    }
}
