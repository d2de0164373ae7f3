using System.Diagnostics;
using System.Text;
using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
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
        var config = BenchPlan.ModelFor(run.Model);
        var directory = Directory.CreateTempSubdirectory("twinforge-bench-train-");
        try
        {
            int steps = run.WarmupSteps + run.TimedSteps;
            var textFile = Path.Combine(directory.FullName, "random.txt");
            // One paragraph of random letters: the byte-level tokenizer gives one token per letter, and the
            // document is split into full sequences (no packing, so plain causal attention, as llm.c trains).
            WriteRandomText(textFile, characters: (steps * run.BatchSize + 1) * run.SequenceLength, seed: 1);
            var data = TrainingData.Prepare([textFile], new ByteLevelTokenizer(), new TrainingDataOptions
            {
                SequenceLength = run.SequenceLength, Format = DatasetFormat.PlainText, Overlong = OverlongPolicy.Split,
                Packing = false, ValidationFraction = 0, Seed = 1,
            });
            data.ThrowIfInvalid();

            using var model = new CausalLanguageModel(config);
            model.InitializeWeights(seed: 1);
            if (run.Lora)
                LoraInjector.Apply(model, new LoraConfig
                {
                    Rank = run.LoraRank, Alpha = 2 * run.LoraRank, TargetModules = LoraConfig.DefaultTargets(config.Family),
                }, seed: 1);
            var trainable = model.parameters().Where(p => p.requires_grad).ToList();
            long trainableCount = trainable.Sum(p => p.numel());
            long parameterCount = model.ParameterCount;

            var trainer = new Trainer(model, data, new TrainingOptions
            {
                MaxSteps = steps, BatchSize = run.BatchSize, LearningRate = run.Lora ? 2e-4 : 5e-5, EvaluateEverySteps = 0,
                CheckpointEverySteps = 0, EarlyStoppingPatience = null, RestoreBestWeights = false,
                Precision = run.BFloat16Mixed ? TrainingPrecision.BFloat16Mixed : TrainingPrecision.Float32,
                ActivationCheckpointing = run.ActivationCheckpointing,
            }, Path.Combine(directory.FullName, "run"));

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
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    static void WriteRandomText(string path, int characters, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(characters);
        for (int i = 0; i < characters; i++) text.Append(random.Next(6) == 0 ? ' ' : (char)('a' + random.Next(26)));
        text[0] = 'a'; // a paragraph starts with a letter
        File.WriteAllText(path, text.ToString());
    }
}
