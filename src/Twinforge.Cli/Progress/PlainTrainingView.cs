using System.Diagnostics;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>
/// Training progress as plain log lines, for CI logs, pipes and files: a step line every few percent of the run (and
/// at least every 15 seconds), and every validation, checkpoint, warning and early stop as it happens.
/// </summary>
public sealed class PlainTrainingView(TextWriter output, string title)
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly TrainingProgressState state = new();
    TimeSpan lastLine = TimeSpan.Zero;

    public void Publish(TrainingEvent trainingEvent)
    {
        state.Observe(trainingEvent);
        switch (trainingEvent)
        {
            case RunStarted started:
                output.WriteLine(started.ResumedFromStep is int from
                    ? $"{title}: resuming at step {from} of {started.TotalSteps}"
                    : $"{title}: {started.TotalSteps} steps, {started.TrainableParameters:N0} of {started.TotalParameters:N0} parameters trained, " +
                      $"{started.TrainSequences} training and {started.ValidationSequences} validation sequences, {started.Precision}");
                break;
            case StepCompleted step when ShouldPrint(step):
                output.WriteLine(TrainingProgressFormat.StepLine(step, state));
                lastLine = clock.Elapsed;
                break;
            case StepSkipped skipped:
                output.WriteLine($"step {skipped.Step}: skipped — {skipped.Reason}");
                break;
            case EvaluationCompleted evaluation:
                output.WriteLine(TrainingProgressFormat.EvaluationLine(evaluation));
                break;
            case CheckpointSaved checkpoint:
                output.WriteLine($"step {checkpoint.Step}: checkpoint saved to {checkpoint.Path}");
                break;
            case StoppedEarly stopped:
                output.WriteLine(TrainingProgressFormat.StoppedEarlyLine(stopped));
                break;
            case TrainingWarning warning:
                output.WriteLine($"warning: {warning.Message}");
                break;
            case StageStarted stage:
                output.WriteLine(stage.Description);
                break;
            case SearchTrialCompleted trial:
                output.WriteLine(TrainingProgressFormat.SearchLine(trial));
                break;
        }
        output.Flush();
    }

    bool ShouldPrint(StepCompleted step)
    {
        int every = Math.Max(1, state.TotalSteps / 20);
        return step.Step == 1 || step.Step % every == 0 || step.Step == state.TotalSteps || clock.Elapsed - lastLine > TimeSpan.FromSeconds(15);
    }

}
