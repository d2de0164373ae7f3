namespace Twinforge.Engine.Training;

/// <summary>
/// How far the model drifted from fitting the creator towards memorising their examples, read from the
/// evaluations of a run.
/// </summary>
/// <param name="FinalGap">Validation − training loss at the last evaluation with finite losses (nats); null without one.</param>
/// <param name="SmallestGap">The smallest gap seen.</param>
/// <param name="GapWideningStep">
/// The step of the evaluation after which the gap kept growing: the last evaluation with the smallest gap, reported
/// when the final gap is positive and exceeds it by more than <see cref="WideningTolerance"/> nats; null when the gap did not
/// widen, or when the last evaluation came before a whole pass over the training data (nothing had been read twice).
/// </param>
/// <param name="ValidationLossRose">The validation loss ended above its best: the run went past its best point.</param>
/// <param name="StoppedEarly">Early stopping ended the run.</param>
public sealed record OverfittingReport(double? FinalGap, double? SmallestGap, int? GapWideningStep, bool ValidationLossRose, bool StoppedEarly)
{
    /// <summary>Growth of the gap (nats) below which it counts as noise.</summary>
    public const double WideningTolerance = 0.02;

    public static OverfittingReport From(IReadOnlyList<EvaluationCompleted> evaluations, bool stoppedEarly)
    {
        // A diverged run's evaluations may hold NaN or infinite losses: they say nothing about a gap.
        var finite = evaluations.Where(e => double.IsFinite(e.Gap)).ToList();
        if (finite.Count == 0) return new OverfittingReport(null, null, null, false, stoppedEarly);
        var smallest = finite.MinBy(e => e.Gap)!.Gap;
        var lastSmallest = finite.Last(e => e.Gap == smallest);
        double final = finite[^1].Gap;
        // Widening counts once validation loss sits above training loss by more than noise and the gap has grown, and
        // only after a whole pass: until then every batch is text the model has not read, as unseen as the validation
        // set, so a growing gap is the lagging training mean or the two sets' difference, not memorisation.
        bool dataReadAgain = finite[^1].Epoch >= 1;
        int? widening = dataReadAgain && final > WideningTolerance && final - smallest > WideningTolerance ? lastSmallest.Step : null;
        bool rose = finite[^1].Loss > finite.Min(e => e.Loss);
        return new OverfittingReport(final, smallest, widening, rose, stoppedEarly);
    }
}
