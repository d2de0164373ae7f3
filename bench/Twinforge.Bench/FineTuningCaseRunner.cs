using System.Diagnostics;
using Twinforge.Engine.Training;

namespace Twinforge.Bench;

/// <summary>
/// Measures one <see cref="FineTuningCase"/> through <see cref="Trainer"/> itself — the product's step: forward,
/// summed cross-entropy, backward, global gradient norm and clipping, AdamW, metrics.jsonl — on random text, with
/// validation and intermediate checkpoints off. Run in a fresh process for a peak memory of this case alone.
/// </summary>
public static class FineTuningCaseRunner
{
    public static FineTuningMeasurement Run(FineTuningCase run, bool isolated, TextWriter output)
    {
        if (run.WarmupSteps < 1 || run.TimedSteps < 1) throw new ArgumentException("a case needs at least one warm-up and one timed step", nameof(run));
        using var setup = new FineTuningCaseTrainer(run);
        var (model, trainer, steps) = (setup.Model, setup.Trainer, setup.Steps);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        long trainableCount = trainable.Sum(p => p.numel());
        long parameterCount = model.ParameterCount;

        var stepEnds = new List<long>();
        var losses = new List<double>();
        long residentAfterWarmup = 0, residentAtEnd = 0, peakResident = 0, faultsAfterWarmup = 0, faultsAtEnd = 0;
        output.WriteLine($"  {run.Name}: {parameterCount:N0} parameters, {trainableCount:N0} trainable; {run.WarmupSteps} warm-up + {run.TimedSteps} timed updates");
        trainer.Run(onEvent: trainingEvent =>
        {
            switch (trainingEvent)
            {
                case StepCompleted step:
                    stepEnds.Add(Stopwatch.GetTimestamp());
                    losses.Add(step.Loss);
                    if (step.Step == run.WarmupSteps)
                    {
                        residentAfterWarmup = ProcessMemory.ResidentBytes();
                        faultsAfterWarmup = ProcessMemory.MinorPageFaults();
                    }
                    if (step.Step == steps)
                    {
                        // Read before the trainer's end-of-run checkpoint, which is not part of a training step. The
                        // kernel's per-thread counters can leave VmHWM a page or so behind a later VmRSS read.
                        faultsAtEnd = ProcessMemory.MinorPageFaults();
                        residentAtEnd = ProcessMemory.ResidentBytes();
                        peakResident = Math.Max(ProcessMemory.PeakResidentBytes(), residentAtEnd);
                    }
                    break;
                case StepSkipped skipped:
                    throw new InvalidOperationException($"{run.Name}: update {skipped.Step} was skipped ({skipped.Reason}); the figures would not be of full steps");
            }
        }, resume: false);

        // stepEnds[k] is the end of update k + 1: the timed updates are warmup + 1 … steps.
        var stepSeconds = Enumerable.Range(run.WarmupSteps, run.TimedSteps)
            .Select(k => Stopwatch.GetElapsedTime(stepEnds[k - 1], stepEnds[k]).TotalSeconds).ToList();
        double median = Median.Of(stepSeconds);
        return new FineTuningMeasurement
        {
            Name = run.Name, Method = run.Method, Precision = run.PrecisionName, BatchSize = run.BatchSize,
            SequenceLength = run.SequenceLength, WarmupSteps = run.WarmupSteps, TimedSteps = run.TimedSteps,
            ActivationCheckpointing = run.ActivationCheckpointing,
            TokensPerSecond = run.BatchSize * run.SequenceLength / median, MedianSecondsPerStep = median, StepSeconds = stepSeconds,
            PeakResidentBytes = peakResident, ResidentBytesAfterWarmup = residentAfterWarmup, ResidentBytesAtEnd = residentAtEnd,
            PeakMemoryIsolated = isolated, MinorPageFaultsPerStep = (faultsAtEnd - faultsAfterWarmup) / (double)run.TimedSteps,
            OptimizerStateBytes = AdamW.StateBytesFor(trainable),
            ParameterCount = parameterCount, TrainableParameterCount = trainableCount,
            FlopsPerToken = run.Lora ? 4.0 * (parameterCount - trainableCount) + 6.0 * trainableCount : 6.0 * parameterCount,
            FirstLoss = losses[0], LastLoss = losses[^1],
        };
    }
}
