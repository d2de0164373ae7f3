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

    /// <summary>Summed loss, correct argmax predictions and targets of a batch, without gradients.</summary>
    public static (double SummedLoss, long Correct, long Targets) Score(CausalLanguageModel model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(batch.InputIds, positionIds: batch.PositionIds, attentionMask: batch.AttentionMask)
            .flatten(0, 1).to(ScalarType.Float32);
        var labels = batch.Labels.flatten();
        var loss = nn.functional.cross_entropy(logits, labels, ignore_index: PackedSequence.IgnoredLabel, reduction: nn.Reduction.Sum);
        var targets = labels.ne(PackedSequence.IgnoredLabel);
        var correct = logits.argmax(-1).eq(labels).logical_and(targets).sum();
        return (loss.item<float>(), correct.item<long>(), targets.sum().item<long>());
    }
}
