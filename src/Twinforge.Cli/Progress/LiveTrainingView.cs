using Spectre.Console;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>
/// Training progress on an interactive terminal: a live progress bar whose label carries step, epoch, smoothed
/// train loss, the latest validation loss and tokens/s, with elapsed time and ETA columns; validations, checkpoints,
/// warnings and early stopping are printed above it as they happen.
/// </summary>
public static class LiveTrainingView
{
    public static T Run<T>(IAnsiConsole console, string title, Func<Action<TrainingEvent>, T> work) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                var state = new TrainingProgressState();
                return work(trainingEvent =>
                {
                    state.Observe(trainingEvent);
                    switch (trainingEvent)
                    {
                        case RunStarted started:
                            task.MaxValue = started.TotalSteps;
                            task.Value = started.Step;
                            if (started.ResumedFromStep is int from) console.MarkupLine($"[grey]resuming at step {from}[/]");
                            break;
                        case StepCompleted step:
                            task.Value = step.Step;
                            task.Description = Markup.Escape(Label(title, state, step.EpochProgress));
                            break;
                        case StepSkipped skipped:
                            task.Value = skipped.Step;
                            console.MarkupLine($"[yellow]step {skipped.Step}: skipped — {Markup.Escape(skipped.Reason)}[/]");
                            break;
                        case EvaluationCompleted evaluation:
                            console.MarkupLine((evaluation.IsBest ? "[green]" : "[default]") + Markup.Escape(TrainingProgressFormat.EvaluationLine(evaluation)) + "[/]");
                            break;
                        case StoppedEarly stopped:
                            console.MarkupLine($"[yellow]{Markup.Escape(TrainingProgressFormat.StoppedEarlyLine(stopped))}[/]");
                            task.Value = task.MaxValue;
                            break;
                        case TrainingWarning warning:
                            console.MarkupLine($"[yellow]warning: {Markup.Escape(warning.Message)}[/]");
                            break;
                        case StageStarted stage:
                            console.MarkupLine(Markup.Escape(stage.Description));
                            break;
                        case SearchTrialCompleted trial:
                            console.MarkupLine($"[grey]{Markup.Escape(TrainingProgressFormat.SearchLine(trial))}[/]");
                            task.Description = Markup.Escape($"{title} · search round {trial.Rung}/{trial.Rungs}");
                            break;
                        case CheckpointSaved checkpoint:
                            console.MarkupLine($"[grey]checkpoint: {Markup.Escape(checkpoint.Path)}[/]");
                            break;
                    }
                });
            });

    static string Label(string title, TrainingProgressState state, double epoch) =>
        FormattableString.Invariant($"{title} · step {state.Step}/{state.TotalSteps} · epoch {epoch:F2} · loss {state.TrainLoss:F3}") +
        (state.LastEvaluation is { } last ? FormattableString.Invariant($" · val {last.Loss:F3}") : "") +
        FormattableString.Invariant($" · {state.TokensPerSecond:N0} tok/s");
}
