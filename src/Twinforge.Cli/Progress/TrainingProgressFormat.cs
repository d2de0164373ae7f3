using System.Globalization;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>The wording of progress lines, shared by the live and the plain view.</summary>
public static class TrainingProgressFormat
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string StepLine(StepCompleted step, TrainingProgressState state) =>
        string.Create(Invariant, $"step {step.Step}/{state.TotalSteps} · epoch {step.EpochProgress:F2} · loss {step.Loss:F4} · lr {step.LearningRate:G3} · " +
                                 $"grad {step.GradientNorm:F2}{(step.Clipped ? " (clipped)" : "")} · {step.TokensPerSecond:N0} tok/s") +
        (state.LastEvaluation is { } last ? string.Create(Invariant, $" · val {last.Loss:F4}") : "") +
        (state.Remaining is TimeSpan left ? $" · ETA {Duration(left)}" : "");

    public static string EvaluationLine(EvaluationCompleted evaluation) =>
        string.Create(Invariant, $"step {evaluation.Step}: validation loss {evaluation.Loss:F4}, perplexity {evaluation.Perplexity:F2}, " +
                                 $"token accuracy {evaluation.TokenAccuracy * 100:F1}% (train {evaluation.TrainLoss:F4}, gap {evaluation.Gap:+0.000;-0.000})") +
        (evaluation.IsBest ? " — best so far" : "");

    public static string StoppedEarlyLine(StoppedEarly stopped) =>
        string.Create(Invariant, $"step {stopped.Step}: stopped early — validation loss did not improve for {stopped.Patience} evaluations; " +
                                 $"best was {stopped.BestLoss:F4} at step {stopped.BestStep}");

    public static string SearchLine(SearchTrialCompleted trial) =>
        string.Create(Invariant, $"search round {trial.Rung}/{trial.Rungs}, candidate {trial.Trial}/{trial.Trials} ({trial.Candidate}): ") +
        (trial.Failure is string failure ? failure
            : string.Create(Invariant, $"held-out loss {trial.Loss:F4} after {trial.Step} updates{(trial.Finished ? ", finished" : "")}"));

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:D2}m" : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:D2}s" : $"{span.Seconds}s";
}
