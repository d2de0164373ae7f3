using System.Diagnostics;
using TorchSharp;
using Twinforge.Engine.Training;
using Twinforge.Voice.Model;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Twinforge.Voice.Training;

/// <summary>
/// Trains an <see cref="AcousticModel"/>, or the part of it given: every weight for pre-training and training from
/// scratch; for adaptation, a speaker vector, the conditional norms and the layers' low-rank updates. The best epoch's weights by held-out mel
/// loss are kept and restored at the end.
/// </summary>
public static class AcousticTrainer
{
    /// <param name="voices">The speaker vectors of a batch [batch, speaker size] (table rows, or an adapter's vector repeated).</param>
    /// <param name="trainable">The parameters the optimiser changes; the model's others are frozen for the run.</param>
    public static IReadOnlyList<AcousticEpoch> Train(AcousticModel model, Func<SpeechBatch, Tensor> voices, IReadOnlyList<Parameter> trainable,
        SpeechDataset train, SpeechDataset? validation, AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        var frozen = model.parameters().Where(parameter => !trainable.Any(t => ReferenceEquals(t, parameter))).ToList();
        foreach (var parameter in frozen) parameter.requires_grad = false;
        try
        {
            return Run(model, voices, trainable, train, validation, options, onEpoch, cancellationToken);
        }
        finally
        {
            foreach (var parameter in frozen) parameter.requires_grad = true;
        }
    }

    static List<AcousticEpoch> Run(AcousticModel model, Func<SpeechBatch, Tensor> voices, IReadOnlyList<Parameter> trainable, SpeechDataset train,
        SpeechDataset? validation, AcousticTrainingOptions options, Action<AcousticEpoch>? onEpoch, CancellationToken cancellationToken)
    {
        // The engine's AdamW (PyTorch's formulation, as TorchSharp's is) rather than TorchSharp's: TorchSharp's step
        // passes its coefficients as implicit Scalars, which the garbage collector may free while libtorch reads them
        // (see Engine's ScalarOperations); a clean-clone CI run saw voice training fail so in c10::Scalar::toFloat.
        using var optimizer = new AdamW(trainable.Select((parameter, i) => new OptimizedParameter($"p{i}", parameter, Decay: true)),
            options.WeightDecay);
        var random = new Random(options.Seed);
        model.Randomness.Seed(options.Seed);
        var clock = Stopwatch.StartNew();
        var epochs = new List<AcousticEpoch>();
        Tensor[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int step = 0, sinceBest = 0;
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var started = clock.Elapsed;
                model.train();
                double total = 0, mel = 0;
                int batches = 0;
                foreach (var utterances in train.Batches(options.FramesPerBatch, random))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    using var batch = train.Collate(utterances);
                    double rate = options.LearningRate * Math.Min(1, (step + 1.0) / options.WarmupSteps);
                    model.AlignmentPriorWeight = options.AlignmentPriorSteps > 0 ? model.Config.AlignmentPrior * Math.Max(0, 1 - step / (double)options.AlignmentPriorSteps) : 0;
                    optimizer.ZeroGradients();
                    using var losses = model.Losses(batch, voices(batch));
                    var loss = losses.Total();
                    loss.backward();
                    optimizer.Step(rate, ClipScale(trainable, options.ClipNorm));
                    total += loss.item<float>();
                    mel += losses.Mel.item<float>();
                    batches++;
                    step++;
                }
                // Judged as the model will be used: aligned by what the aligner has learnt, without the fading prior.
                model.AlignmentPriorWeight = 0;
                double? held = validation is null ? null : MelLoss(model, voices, validation, options.FramesPerBatch);
                double judged = held ?? total / batches;
                bool improved = judged < bestLoss;
                if (improved)
                {
                    bestLoss = judged;
                    sinceBest = 0;
                    Dispose(best);
                    best = Snapshot(trainable);
                }
                else sinceBest++;
                var figures = new AcousticEpoch(epoch, step, total / batches, mel / batches, held, improved, (clock.Elapsed - started).TotalSeconds);
                epochs.Add(figures);
                onEpoch?.Invoke(figures);
                if (sinceBest >= options.Patience || options.TimeLimit is { } limit && clock.Elapsed >= limit) break;
            }
            if (best is not null) Restore(trainable, best);
            return epochs;
        }
        finally
        {
            Dispose(best);
            model.eval();
            model.AlignmentPriorWeight = 0;
        }
    }

    /// <summary>The mean mel loss (L1 on log-mel, per frame and band) over a dataset, with its true durations (by alignment).</summary>
    public static double MelLoss(AcousticModel model, Func<SpeechBatch, Tensor> voices, SpeechDataset data, int framesPerBatch = 4_000)
    {
        model.eval();
        using var _ = no_grad();
        double sum = 0;
        long frames = 0;
        foreach (var utterances in data.Batches(framesPerBatch, random: null))
        {
            using var scope = NewDisposeScope();
            using var batch = data.Collate(utterances);
            using var losses = model.Losses(batch, voices(batch));
            long batchFrames = batch.FrameCounts.Sum();
            sum += losses.Mel.item<float>() * batchFrames;
            frames += batchFrames;
        }
        return sum / Math.Max(1, frames);
    }

    /// <summary>What clipping multiplies the gradients by to bring their global norm to at most <paramref name="maxNorm"/> (as clip_grad_norm_).</summary>
    static double ClipScale(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        var gradients = parameters.Select(parameter => parameter.grad).OfType<Tensor>().ToList();
        try
        {
            return Math.Min(1, maxNorm / (GradientNorm.Of(gradients) + 1e-6));
        }
        finally
        {
            foreach (var gradient in gradients) gradient.Dispose(); // each read of .grad is a new handle
        }
    }

    static Tensor[] Snapshot(IReadOnlyList<Parameter> parameters)
    {
        using var _ = no_grad();
        return [.. parameters.Select(parameter => parameter.detach().clone())];
    }

    static void Restore(IReadOnlyList<Parameter> parameters, Tensor[] values)
    {
        using var _ = no_grad();
        for (int i = 0; i < parameters.Count; i++) parameters[i].copy_(values[i]);
    }

    static void Dispose(Tensor[]? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors) tensor.Dispose();
    }
}
