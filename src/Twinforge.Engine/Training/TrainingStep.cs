using TorchSharp;
using TorchSharp.Modules;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// One optimizer update of a model's trainable parameters: forward and backward of a gradient-accumulation window's
/// batches, the L2-SP penalty, the global gradient norm, the non-finite check, clipping and the AdamW update. It owns
/// the optimizer (and its state, which checkpoints save); what the run does with each outcome — counters, events,
/// evaluation — is the <see cref="Trainer"/>'s.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    readonly CausalLanguageModel model;
    readonly TrainingOptions options;
    readonly IReadOnlyList<(string Name, Parameter Parameter)> trainable;
    readonly L2SpPenalty? l2Sp;

    /// <param name="model">The model the parameters belong to (its loss, and its weights version to bump).</param>
    /// <param name="trainable">The parameters to update, by name (names key the optimizer state).</param>
    /// <param name="options">The run's hyperparameters: AdamW's, clipping, L2-SP, activation checkpointing.</param>
    public TrainingStep(CausalLanguageModel model, IReadOnlyList<(string Name, Parameter Parameter)> trainable, TrainingOptions options)
    {
        this.model = model;
        this.options = options;
        this.trainable = trainable;
        Optimizer = new AdamW(trainable.Select(p => new OptimizedParameter(p.Name, p.Parameter, Decay: !IsExemptFromDecay(p.Name, p.Parameter))),
            options.WeightDecay, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon);
        l2Sp = options.L2SpStrength > 0 ? CreateL2Sp(options.L2SpStrength) : null;
    }

    public AdamW Optimizer { get; }

    /// <summary>
    /// Accumulates the gradients of <paramref name="batches"/> and, unless there is nothing to learn from or a figure
    /// is not finite, applies one update at <paramref name="learningRate"/> (and records the weights changed). The
    /// gradients are zero afterwards either way.
    /// </summary>
    public StepOutcome Take(IReadOnlyList<TrainingBatch> batches, double learningRate)
    {
        long tokens = 0;
        // The summed loss and the penalty stay on the device (float64) until the step's one host read.
        Tensor? summedLoss = null, penaltyTerm = null;
        try
        {
            // The window's loss is the mean over all its target tokens, so each batch's summed loss is divided by the
            // window's total: accumulation then gives exactly the gradient of one large batch.
            long windowTargets = batches.Sum(b => b.TrainableTargets);
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                tokens += batch.InputIds.numel();
                if (batch.TrainableTargets == 0) continue;
                // The head and loss run in chunks of positions, so a long batch never holds all its logits at once.
                var summed = LanguageModelLoss.Backward(model, batch, scale: 1.0 / windowTargets,
                    rowsPerChunk: options.ActivationCheckpointing || model.WidensWeights ? LanguageModelLoss.CheckpointedRowsPerChunk : LanguageModelLoss.DefaultRowsPerChunk,
                    checkpointActivations: options.ActivationCheckpointing);
                if (summedLoss is null) summedLoss = summed.DetachFromDisposeScope();
                else summedLoss.PlusInPlace(summed);
            }
            if (l2Sp is not null)
            {
                using var scope = NewDisposeScope();
                var term = l2Sp.Compute();
                term.backward();
                penaltyTerm = term.detach().to(ScalarType.Float64).clone().DetachFromDisposeScope();
            }
            var (lossSum, penalty, gradientNorm) = ReadStepFigures(summedLoss, penaltyTerm);
            double loss = windowTargets > 0 ? lossSum / windowTargets : double.NaN;
            if (windowTargets == 0)
            {
                // Nothing to learn from (every label ignored): a data matter, not divergence.
                Optimizer.ZeroGradients();
                return new StepOutcome(StepKind.NoTargets, loss, learningRate, gradientNorm, penalty, Clipped: false, tokens,
                    "the batches had no target tokens");
            }
            if (!double.IsFinite(loss) || !double.IsFinite(gradientNorm) || !double.IsFinite(penalty))
            {
                Optimizer.ZeroGradients();
                string reason = !double.IsFinite(loss) ? "the loss is not finite" : !double.IsFinite(penalty) ? "the L2-SP penalty is not finite"
                    : "the gradient norm is not finite";
                return new StepOutcome(StepKind.NonFinite, loss, learningRate, gradientNorm, penalty, Clipped: false, tokens, reason);
            }
            bool clipped = options.MaxGradientNorm > 0 && gradientNorm > options.MaxGradientNorm;
            // Clipping is folded into the update, and the gradients are zeroed in the same pass over memory.
            Optimizer.Step(learningRate, gradientScale: clipped ? options.MaxGradientNorm / (gradientNorm + 1e-6) : 1.0, zeroGradients: true);
            model.MarkWeightsChanged();
            return new StepOutcome(StepKind.Updated, loss, learningRate, gradientNorm, penalty, clipped, tokens);
        }
        finally
        {
            summedLoss?.Dispose();
            penaltyTerm?.Dispose();
        }
    }

    /// <summary>
    /// The summed loss, the penalty and the global gradient norm (see <see cref="GradientNorm.Of"/>) in one read
    /// from the device: the host needs them for the log, the non-finite check and the clipping decision.
    /// </summary>
    (double SummedLoss, double Penalty, double GradientNorm) ReadStepFigures(Tensor? summedLoss, Tensor? penalty)
    {
        using var scope = NewDisposeScope();
        var norm = GradientNorm.OnDevice(trainable.Select(p => p.Parameter.grad).OfType<Tensor>());
        var none = zeros([], ScalarType.Float64, norm.device);
        var figures = stack([summedLoss ?? none, penalty ?? none, norm]).cpu().data<double>().ToArray();
        return (figures[0], figures[1], figures[2]);
    }

    /// <summary>Norms, biases and other vectors are not decayed (decay would only shrink scales and offsets).</summary>
    bool IsExemptFromDecay(string name, Parameter parameter) =>
        parameter.dim() < 2 || name.EndsWith(".bias", StringComparison.Ordinal) || model.IsNormParameter(name);

    /// <summary>L2-SP on the trainable base weights and, for adapters, on their effective weight change.</summary>
    L2SpPenalty CreateL2Sp(double strength)
    {
        var adapters = model.AdaptedProjections().ToList();
        var adapterParameters = adapters.SelectMany(a => a.Projection.Adapter!.parameters()).ToHashSet(ReferenceEqualityComparer.Instance);
        return new L2SpPenalty(strength,
            trainable.Where(p => !adapterParameters.Contains(p.Parameter)).Select(p => p.Parameter),
            adapters.Select(a => (Func<Tensor>)a.Projection.Adapter!.DeltaWeight));
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        l2Sp?.Dispose();
    }
}
