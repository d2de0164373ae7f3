using Twinforge.Engine;
using Twinforge.Engine.Training;

namespace Twinforge.Reporting;

/// <summary>
/// A run's <c>metrics.jsonl</c> sorted by kind of event. A resumed run's log already reads as one run
/// (<see cref="MetricsLog.Resume"/> drops the interrupted tail), so the lists are in step order.
/// </summary>
public sealed record TrainingHistory(
    IReadOnlyList<RunStarted> Starts,
    IReadOnlyList<StepCompleted> Steps,
    IReadOnlyList<StepSkipped> Skipped,
    IReadOnlyList<EvaluationCompleted> Evaluations,
    IReadOnlyList<TrainingWarning> Warnings,
    StoppedEarly? StoppedEarly,
    RunFinished? Finished)
{
    /// <summary>Reads <c>metrics.jsonl</c> from <paramref name="runDirectory"/>.</summary>
    /// <exception cref="InputFileException">The file is missing or a line is not a training event.</exception>
    public static TrainingHistory Load(string runDirectory)
    {
        var path = Path.Combine(runDirectory, MetricsLog.FileName);
        if (!File.Exists(path))
            throw new InputFileException(path, "the training metrics log is missing; is this a run directory of a started run?");
        var events = MetricsLog.Read(path);
        return new TrainingHistory(
            events.OfType<RunStarted>().ToList(),
            events.OfType<StepCompleted>().ToList(),
            events.OfType<StepSkipped>().ToList(),
            events.OfType<EvaluationCompleted>().ToList(),
            events.OfType<TrainingWarning>().ToList(),
            events.OfType<StoppedEarly>().LastOrDefault(),
            events.OfType<RunFinished>().LastOrDefault());
    }

    /// <summary>Tokens trained on up to and including each completed step, in the order of <see cref="Steps"/>.</summary>
    public IReadOnlyList<double> CumulativeTokens() => cumulativeTokens ??= SumTokens();

    IReadOnlyList<double>? cumulativeTokens;

    double[] SumTokens()
    {
        var cumulative = new double[Steps.Count];
        long total = 0;
        for (int i = 0; i < Steps.Count; i++) cumulative[i] = total += Steps[i].Tokens;
        return cumulative;
    }

    /// <summary>Tokens trained on by the end of <paramref name="step"/> (0 before the first update).</summary>
    public double TokensAtStep(int step)
    {
        var cumulative = CumulativeTokens();
        double tokens = 0;
        for (int i = 0; i < Steps.Count && Steps[i].Step <= step; i++) tokens = cumulative[i];
        return tokens;
    }
}
