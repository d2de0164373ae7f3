using Twinforge.Engine.Training;

namespace Twinforge.Reporting;

/// <summary>
/// The headline numbers of a run, from its metrics log, preferring what <c>run.json</c> recorded where it has a
/// field (the trainer's own result) and computing the rest from the events.
/// </summary>
public sealed record RunFigures(
    int Steps,
    int? TotalSteps,
    double? Epochs,
    long TokensSeen,
    int SkippedSteps,
    EvaluationCompleted? Best,
    StoppedEarly? StoppedEarly,
    bool? Cancelled,
    bool? RestoredBest,
    OverfittingReport Overfitting)
{
    public static RunFigures Of(TrainingHistory history, RunRecord record)
    {
        var lastStep = history.Steps.LastOrDefault();
        int steps = record.ResultInt("steps")
                    ?? history.Finished?.Step
                    ?? Math.Max(lastStep?.Step ?? 0, history.Skipped.LastOrDefault()?.Step ?? 0);
        int? totalSteps = record.ResultInt("total_steps") ?? history.Starts.LastOrDefault()?.TotalSteps;
        double? epochs = record.ResultDouble("epochs") ?? lastStep?.EpochProgress;
        long tokens = (long)(record.ResultDouble("tokens_seen") ?? history.Steps.Sum(step => (double)step.Tokens));
        int skipped = record.ResultInt("skipped_steps") ?? history.Finished?.SkippedSteps ?? history.Skipped.Count;

        var computed = OverfittingReport.From(history.Evaluations, history.StoppedEarly is not null);
        // The trainer's figure wins where recorded; a run killed before finishing has only the events.
        int? wideningStep = record.Result("overfitting") is not null
            ? record.ResultInt("overfitting", "gap_widening_step")
            : history.Finished is not null ? history.Finished.GapWideningStep : computed.GapWideningStep;
        var overfitting = computed with
        {
            FinalGap = record.ResultDouble("overfitting", "final_gap") ?? computed.FinalGap,
            GapWideningStep = wideningStep,
        };

        return new RunFigures(steps, totalSteps, epochs, tokens, skipped, BestOf(history, record), history.StoppedEarly,
            record.ResultBool("cancelled"), record.ResultBool("restored_best") ?? history.Finished?.RestoredBest, overfitting);
    }

    public bool HasValidation => Best is not null;

    // The best evaluation is the last one flagged best (the flag marks each new best); failing flags, the lowest loss.
    static EvaluationCompleted? BestOf(TrainingHistory history, RunRecord record)
    {
        if (history.Evaluations.Count == 0) return null;
        int? bestStep = record.ResultInt("best_step") ?? history.Finished?.BestStep;
        return (bestStep is int step ? history.Evaluations.LastOrDefault(e => e.Step == step) : null)
               ?? history.Evaluations.LastOrDefault(e => e.IsBest)
               ?? history.Evaluations.MinBy(e => e.Loss);
    }
}
