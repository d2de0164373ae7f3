namespace Twinforge.Engine.Training;

/// <summary>
/// Too many updates in a row had a non-finite loss or gradient: the run cannot recover by skipping. The weights
/// are those of the last finite update and the last checkpoint is intact; lower the learning rate or switch off
/// mixed precision, then resume or restart.
/// </summary>
public sealed class TrainingDivergedException(int step, int consecutiveSkips)
    : InvalidOperationException($"training diverged at step {step}: {consecutiveSkips} updates in a row had a non-finite loss or gradient " +
                "and were skipped; lower the learning rate or train in float32")
{
    public int Step { get; } = step;

    public int ConsecutiveSkips { get; } = consecutiveSkips;
}
