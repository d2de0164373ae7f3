using System.Diagnostics;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;
using static TorchSharp.torch;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// Measures one shape (<see cref="SizesMeasurement"/>): load its directory in bfloat16, attach rank-r LoRA adapters to
/// every projection, train through the <see cref="Trainer"/> on random text (automatic precision: bf16 products where
/// they pay off, else fp32 products over the bf16 weights), then let the adapted model decode greedily.
/// </summary>
public static class SizesShapeRunner
{
    const string Prompt = "Write a short note to a friend about the weather, the garden and the week ahead. ";

    public static SizesMeasurement Run(SizesPlan plan, ModelShape shape, string modelDirectory, TextWriter output)
    {
        var loadClock = Stopwatch.StartNew();
        using var pretrained = PretrainedModel.Load(modelDirectory, ScalarType.BFloat16);
        double loadSeconds = loadClock.Elapsed.TotalSeconds;
        long residentAfterLoad = ProcessMemory.ResidentBytes();
        var model = pretrained.Network;
        LoraInjector.Apply(model, new LoraConfig
        {
            Rank = plan.LoraRank, Alpha = 2 * plan.LoraRank, TargetModules = LoraConfig.DefaultTargets(model.Config.Family),
        }, seed: 1);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        long trainableCount = trainable.Sum(p => p.numel()), parameterCount = model.ParameterCount;
        var bytesByDType = model.parameters().GroupBy(p => Precision.Name(p.dtype))
            .ToDictionary(group => group.Key, group => group.Sum(p => p.numel() * p.ElementSize));
        output.WriteLine($"  {shape.Name}: loaded in {loadSeconds:F1} s, {parameterCount:N0} parameters ({trainableCount:N0} trainable), " +
                         string.Join(", ", bytesByDType.Select(entry => $"{entry.Key} {ReportTable.Bytes(entry.Value)}")));

        var precision = PrecisionChoice.OnThisMachine(TrainingPrecision.Automatic);
        var computeDType = PrecisionChoice.ComputeDType(precision);
        int steps = plan.WarmupSteps + plan.TimedSteps;
        var work = Directory.CreateTempSubdirectory("twinforge-bench-sizes-");
        var stepEnds = new List<long>();
        var losses = new List<double>();
        long peakTraining = 0;
        try
        {
            var data = RandomTextData.Prepare(work.FullName, steps, plan.BatchSize, plan.SequenceLength);
            var trainer = new Trainer(model, data, new TrainingOptions
            {
                MaxSteps = steps, BatchSize = plan.BatchSize, LearningRate = 2e-4, EvaluateEverySteps = 0, CheckpointEverySteps = 0,
                EarlyStoppingPatience = null, RestoreBestWeights = false, Precision = precision, ActivationCheckpointing = true,
            }, Path.Combine(work.FullName, "run"));
            trainer.Run(onEvent: trainingEvent =>
            {
                switch (trainingEvent)
                {
                    case StepCompleted step:
                        stepEnds.Add(Stopwatch.GetTimestamp());
                        losses.Add(step.Loss);
                        output.WriteLine($"    step {step.Step}/{steps}: loss {step.Loss:F3}");
                        if (step.Step == steps) peakTraining = ProcessMemory.PeakResidentBytes();
                        break;
                    case StepSkipped skipped:
                        throw new InvalidOperationException($"{shape.Name}: update {skipped.Step} was skipped ({skipped.Reason})");
                }
            }, resume: false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
        var stepSeconds = Enumerable.Range(plan.WarmupSteps, plan.TimedSteps)
            .Select(k => Stopwatch.GetElapsedTime(stepEnds[k - 1], stepEnds[k]).TotalSeconds).ToList();

        // The twin decodes as it trained: fp32 products over the bf16 weights where bf16 products are slow.
        model.ComputeDType = computeDType == model.DType ? null : computeDType;
        model.eval();
        var (promptRate, generationRate, reply) = Generate(pretrained, plan);
        output.WriteLine($"    reply: {Printable(reply)}");
        return new SizesMeasurement
        {
            Shape = shape.Name, PublishedAs = shape.PublishedAs, ParameterCount = parameterCount, TrainableParameterCount = trainableCount,
            ParameterBytesByDType = bytesByDType, LoadSeconds = loadSeconds, ResidentBytesAfterLoad = residentAfterLoad,
            ComputePrecision = Precision.Name(computeDType), BatchSize = plan.BatchSize, SequenceLength = plan.SequenceLength,
            LoraTokensPerSecond = plan.BatchSize * plan.SequenceLength / Median.Of(stepSeconds), StepSeconds = stepSeconds,
            FlopsPerToken = 4.0 * (parameterCount - trainableCount) + 6.0 * trainableCount,
            FirstLoss = losses[0], LastLoss = losses[^1], OptimizerStateBytes = AdamW.StateBytesFor(trainable),
            PeakResidentBytesTraining = peakTraining, PromptTokensPerSecond = promptRate, GenerationTokensPerSecond = generationRate,
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(), Reply = reply,
        };
    }

    /// <summary>Prompt tokens/s (one forward pass over the prompt) and single-stream greedy decoding tokens/s, with the reply.</summary>
    static (double Prompt, double Generation, string Reply) Generate(PretrainedModel pretrained, SizesPlan plan)
    {
        var tokenizer = pretrained.Tokenizer;
        var promptIds = new List<long>();
        while (promptIds.Count < plan.PromptTokens) promptIds.AddRange(tokenizer.Encode(Prompt).Select(id => (long)id));
        promptIds.RemoveRange(plan.PromptTokens, promptIds.Count - plan.PromptTokens);
        using var session = new InferenceSession(pretrained.Network);
        session.Start(batchSize: 1, capacity: plan.PromptTokens + plan.NewTokens);
        var generated = new List<int>();
        var promptClock = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            var logits = session.Forward(tensor(promptIds.ToArray(), [1, plan.PromptTokens]), lastPositionOnly: true);
            generated.Add(GreedyChoice.PerRow(logits.view(1, -1))[0]);
        }
        double promptSeconds = promptClock.Elapsed.TotalSeconds;
        var decodeClock = Stopwatch.StartNew();
        while (generated.Count < plan.NewTokens)
        {
            using var scope = NewDisposeScope();
            var logits = session.Forward(tensor(new long[] { generated[^1] }, [1, 1]), lastPositionOnly: true);
            generated.Add(GreedyChoice.PerRow(logits.view(1, -1))[0]);
        }
        double decodeSeconds = decodeClock.Elapsed.TotalSeconds;
        return (plan.PromptTokens / promptSeconds, (plan.NewTokens - 1) / decodeSeconds, tokenizer.Decode(generated));
    }

    static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '·' : c).Take(80).ToArray());
}
