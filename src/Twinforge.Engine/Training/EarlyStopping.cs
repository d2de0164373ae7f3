namespace Twinforge.Engine.Training;

/// <summary>
/// Stops training when the validation loss has not improved by at least <see cref="MinimumImprovement"/> for
/// <see cref="Patience"/> consecutive evaluations, and remembers the best evaluation so its weights can be restored.
/// </summary>
public sealed class EarlyStopping(int patience, double minimumImprovement = 0.0)
{
    public int Patience { get; } = patience >= 1 ? patience : throw new ArgumentOutOfRangeException(nameof(patience), "patience must be at least 1");
    public double MinimumImprovement { get; } = minimumImprovement >= 0 ? minimumImprovement : throw new ArgumentOutOfRangeException(nameof(minimumImprovement));

    public double BestLoss { get; private set; } = double.PositiveInfinity;
    public int BestStep { get; private set; } = -1;
    public int EvaluationsWithoutImprovement { get; private set; }
    public bool ShouldStop => EvaluationsWithoutImprovement >= Patience;

    /// <summary>Records an evaluation; returns true when it is the new best.</summary>
    public bool Observe(int step, double validationLoss)
    {
        if (double.IsFinite(validationLoss) && validationLoss < BestLoss - MinimumImprovement)
        {
            BestLoss = validationLoss;
            BestStep = step;
            EvaluationsWithoutImprovement = 0;
            return true;
        }
        EvaluationsWithoutImprovement++;
        return false;
    }

    /// <summary>The counters, for checkpoints.</summary>
    public EarlyStoppingState State => new(BestLoss, BestStep, EvaluationsWithoutImprovement);

    public void Restore(EarlyStoppingState state) =>
        (BestLoss, BestStep, EvaluationsWithoutImprovement) = (state.BestLoss, state.BestStep, state.EvaluationsWithoutImprovement);
}

/// <summary>What <see cref="EarlyStopping"/> has seen so far.</summary>
public sealed record EarlyStoppingState(double BestLoss, int BestStep, int EvaluationsWithoutImprovement);
