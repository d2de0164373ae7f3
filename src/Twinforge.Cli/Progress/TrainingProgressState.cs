using System.Diagnostics;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>What the progress display needs beyond the latest event: the plan, the latest validation, the pace.</summary>
public sealed class TrainingProgressState
{
    readonly Stopwatch clock = new();
    int firstStepOfSession = -1;

    public int TotalSteps { get; private set; }
    public int Step { get; private set; }
    public double? TrainLoss { get; private set; }
    public EvaluationCompleted? LastEvaluation { get; private set; }
    public double TokensPerSecond { get; private set; }

    /// <summary>Time left at the pace of this session's updates so far, or null before there is a pace.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            int done = Step - firstStepOfSession;
            if (firstStepOfSession < 0 || done <= 0) return null;
            return TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (TotalSteps - Step));
        }
    }

    public void Observe(TrainingEvent trainingEvent)
    {
        switch (trainingEvent)
        {
            case RunStarted started:
                TotalSteps = started.TotalSteps;
                Step = started.Step;
                firstStepOfSession = started.Step;
                clock.Restart();
                break;
            case StepCompleted step:
                Step = step.Step;
                TrainLoss = TrainLoss is double previous ? 0.9 * previous + 0.1 * step.Loss : step.Loss; // smoothed for display
                TokensPerSecond = step.TokensPerSecond;
                break;
            case StepSkipped skipped:
                Step = skipped.Step;
                break;
            case EvaluationCompleted evaluation:
                LastEvaluation = evaluation;
                break;
        }
    }
}
