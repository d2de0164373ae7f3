using Twinforge.Engine.Data;
using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

/// <summary>trainer_state.json: the run's progress saved whole and read back, and version-1 files (flat) still read.</summary>
public sealed class TrainerStateTests
{
    static readonly EvaluationCompleted Evaluation = new(Step: 4, Epoch: 1, Trigger: "interval", Loss: 2.25, Perplexity: 9.4877,
        TokenAccuracy: 0.5, Targets: 40, TrainLoss: 2.5, Gap: -0.25, IsBest: true);

    [Fact]
    public void A_saved_state_reads_back_with_its_whole_progress()
    {
        using var directory = new TemporaryDirectory();
        var state = new TrainerState
        {
            RunFingerprint = "f00d", TotalSteps = 10, Precision = TrainingPrecision.BFloat16Mixed, Finished = false,
            Progress = new RunProgress
            {
                Step = 6, TokensSeen = 768, ConsecutiveNonFiniteSteps = 1, SkippedSteps = 2, TrainLossSinceEvaluation = 4.5,
                StepsSinceEvaluation = 2, TrainLosses = [3.0, double.NaN, 2.5, 2.25, double.NaN, 2.0], Evaluations = [Evaluation], StoppedEarly = true,
            },
            Position = new BatchPosition(1, 3), RandomState = [1, 2, 3, 250], EarlyStopping = new EarlyStoppingState(2.25, 4, 1),
        };
        var path = directory.File(TrainerState.FileName);

        state.Save(path);
        var loaded = TrainerState.Load(path);

        Assert.Equal(TrainerState.CurrentFormatVersion, loaded.FormatVersion);
        Assert.Equal((state.RunFingerprint, state.TotalSteps, state.Precision, state.Finished, state.Position, state.EarlyStopping),
            (loaded.RunFingerprint, loaded.TotalSteps, loaded.Precision, loaded.Finished, loaded.Position, loaded.EarlyStopping));
        Assert.Equal(state.RandomState, loaded.RandomState);
        AssertSameProgress(state.Progress, loaded.Progress);
    }

    [Fact]
    public void A_version_1_state_with_its_progress_at_the_top_level_still_loads()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File(TrainerState.FileName);
        File.WriteAllText(path,
            """
            {
              "format_version": 1,
              "run_fingerprint": "f00d",
              "step": 6,
              "total_steps": 10,
              "position": { "epoch": 1, "index": 3 },
              "tokens_seen": 768,
              "random_state": "AQID+g==",
              "early_stopping": { "best_loss": 2.25, "best_step": 4, "evaluations_without_improvement": 1 },
              "consecutive_non_finite_steps": 1,
              "skipped_steps": 2,
              "train_loss_since_evaluation": 4.5,
              "steps_since_evaluation": 2,
              "train_losses": [ 3, "NaN", 2.5, 2.25, "NaN", 2 ],
              "evaluations": [ { "step": 4, "epoch": 1, "trigger": "interval", "loss": 2.25, "perplexity": 9.4877, "token_accuracy": 0.5,
                                 "targets": 40, "train_loss": 2.5, "gap": -0.25, "is_best": true } ],
              "precision": 2,
              "finished": false,
              "stopped_early": true
            }
            """);

        var loaded = TrainerState.Load(path);

        Assert.Equal(("f00d", 10, TrainingPrecision.BFloat16Mixed, false, new BatchPosition(1, 3), new EarlyStoppingState(2.25, 4, 1)),
            (loaded.RunFingerprint, loaded.TotalSteps, loaded.Precision, loaded.Finished, loaded.Position, loaded.EarlyStopping));
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, loaded.RandomState);
        AssertSameProgress(new RunProgress
        {
            Step = 6, TokensSeen = 768, ConsecutiveNonFiniteSteps = 1, SkippedSteps = 2, TrainLossSinceEvaluation = 4.5,
            StepsSinceEvaluation = 2, TrainLosses = [3.0, double.NaN, 2.5, 2.25, double.NaN, 2.0], Evaluations = [Evaluation], StoppedEarly = true,
        }, loaded.Progress);
    }

    static void AssertSameProgress(RunProgress expected, RunProgress actual)
    {
        Assert.Equal(expected with { TrainLosses = [], Evaluations = [] }, actual with { TrainLosses = [], Evaluations = [] });
        Assert.Equal(expected.TrainLosses, actual.TrainLosses);
        Assert.Equal(expected.Evaluations, actual.Evaluations);
    }
}
