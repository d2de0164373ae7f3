using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;

namespace Twinforge.Bench;

/// <summary>
/// The <see cref="Trainer"/> of one <see cref="FineTuningCase"/>: random text for all its steps, its model initialised
/// from a seed (with LoRA in a LoRA case), validation and intermediate checkpoints off, all in a temporary directory
/// deleted on dispose. The harness times it (<see cref="FineTuningCaseRunner"/>); the finalization probe watches it.
/// </summary>
public sealed class FineTuningCaseTrainer : IDisposable
{
    readonly DirectoryInfo directory;

    public FineTuningCaseTrainer(FineTuningCase run)
    {
        var config = BenchPlan.ModelFor(run.Model);
        Steps = run.WarmupSteps + run.TimedSteps;
        directory = Directory.CreateTempSubdirectory("twinforge-bench-train-");
        try
        {
            var data = RandomTextData.Prepare(directory.FullName, Steps, run.BatchSize, run.SequenceLength);

            Model = new CausalLanguageModel(config);
            Model.InitializeWeights(seed: 1);
            if (run.Lora)
                LoraInjector.Apply(Model, new LoraConfig
                {
                    Rank = run.LoraRank, Alpha = 2 * run.LoraRank, TargetModules = LoraConfig.DefaultTargets(config.Family),
                }, seed: 1);
            Trainer = new Trainer(Model, data, new TrainingOptions
            {
                MaxSteps = Steps, BatchSize = run.BatchSize, LearningRate = run.Lora ? 2e-4 : 5e-5, EvaluateEverySteps = 0,
                CheckpointEverySteps = 0, EarlyStoppingPatience = null, RestoreBestWeights = false,
                Precision = run.BFloat16Mixed ? TrainingPrecision.BFloat16Mixed : TrainingPrecision.Float32,
                ActivationCheckpointing = run.ActivationCheckpointing,
            }, Path.Combine(directory.FullName, "run"));
        }
        catch
        {
            Model?.Dispose();
            directory.Delete(recursive: true);
            throw;
        }
    }

    public CausalLanguageModel Model { get; } = null!;

    public Trainer Trainer { get; } = null!;

    /// <summary>Warm-up and timed steps together: what the trainer runs.</summary>
    public int Steps { get; }

    public void Dispose()
    {
        Model.Dispose();
        directory.Delete(recursive: true);
    }
}
