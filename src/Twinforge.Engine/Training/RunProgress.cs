using System.Collections.Immutable;

namespace Twinforge.Engine.Training;

/// <summary>
/// How far a training run has come: its counters and the histories its result and report are made of. A run holds
/// one and replaces it after every update and evaluation (never mutates it), and a checkpoint saves it whole
/// (<see cref="TrainerState.Progress"/>), so saving and resuming cannot drift apart field by field. The rest of a
/// run's state lives with its owners and is checkpointed beside it: the data position, the dropout generator, early
/// stopping, the weights and the optimizer.
/// </summary>
public sealed record RunProgress
{
    /// <summary>Optimizer updates done (skipped ones included: they advance the schedule and the data).</summary>
    public int Step { get; init; }

    public long TokensSeen { get; init; }

    /// <summary>Updates skipped in a row for a non-finite loss, penalty or gradient norm.</summary>
    public int ConsecutiveNonFiniteSteps { get; init; }

    /// <summary>Updates skipped for any reason (the optimizer took <see cref="Step"/> minus these).</summary>
    public int SkippedSteps { get; init; }

    /// <summary>Training loss summed over the updates since the last evaluation, and their count.</summary>
    public double TrainLossSinceEvaluation { get; init; }

    public int StepsSinceEvaluation { get; init; }

    /// <summary>The loss of every update so far (NaN for skipped ones).</summary>
    public ImmutableList<double> TrainLosses { get; init; } = [];

    public ImmutableList<EvaluationCompleted> Evaluations { get; init; } = [];

    public bool StoppedEarly { get; init; }

    /// <summary>The mean training loss since the last evaluation, else the last finite one (NaN when there is none).</summary>
    public double RecentTrainLoss => StepsSinceEvaluation > 0
        ? TrainLossSinceEvaluation / StepsSinceEvaluation
        : TrainLosses.LastOrDefault(double.IsFinite, double.NaN);

    /// <summary>The progress after one <see cref="TrainingStep"/>: a skipped update counts as a step with a NaN loss.</summary>
    internal RunProgress After(StepOutcome outcome)
    {
        var stepped = this with { Step = Step + 1, TokensSeen = TokensSeen + outcome.Tokens };
        return outcome.Kind switch
        {
            StepKind.Updated => stepped with
            {
                ConsecutiveNonFiniteSteps = 0,
                TrainLosses = TrainLosses.Add(outcome.Loss),
                TrainLossSinceEvaluation = TrainLossSinceEvaluation + outcome.Loss,
                StepsSinceEvaluation = StepsSinceEvaluation + 1,
            },
            StepKind.NonFinite => stepped with
            {
                ConsecutiveNonFiniteSteps = ConsecutiveNonFiniteSteps + 1,
                SkippedSteps = SkippedSteps + 1,
                TrainLosses = TrainLosses.Add(double.NaN),
            },
            _ => stepped with { SkippedSteps = SkippedSteps + 1, TrainLosses = TrainLosses.Add(double.NaN) },
        };
    }

    /// <summary>The progress after an evaluation: recorded, the training-loss window restarted.</summary>
    internal RunProgress After(EvaluationCompleted evaluation, bool stopEarly) => this with
    {
        Evaluations = Evaluations.Add(evaluation),
        TrainLossSinceEvaluation = 0,
        StepsSinceEvaluation = 0,
        StoppedEarly = StoppedEarly || stopEarly,
    };
}
