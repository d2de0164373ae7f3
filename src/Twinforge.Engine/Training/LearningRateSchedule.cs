namespace Twinforge.Engine.Training;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum ScheduleShape
{
    /// <summary>Half a cosine from the peak down to the floor.</summary>
    Cosine,
    /// <summary>A straight line from the peak down to the floor.</summary>
    Linear,
    /// <summary>The peak, held.</summary>
    Constant,
}

/// <summary>
/// The learning rate as a pure function of the optimizer step: linear warm-up from 0 to the peak over
/// <see cref="WarmupSteps"/>, then decay to <see cref="MinimumRatio"/> × peak at <see cref="TotalSteps"/>.
/// </summary>
public sealed record LearningRateSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps,
    ScheduleShape Shape = ScheduleShape.Cosine, double MinimumRatio = 0.1)
{
    /// <summary>The rate for the update numbered <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakLearningRate * (step + 1) / WarmupSteps;
        double floor = PeakLearningRate * MinimumRatio;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((step - WarmupSteps) / (double)decaySteps, 0, 1);
        return Shape switch
        {
            ScheduleShape.Cosine => floor + (PeakLearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            ScheduleShape.Linear => PeakLearningRate - (PeakLearningRate - floor) * progress,
            _ => PeakLearningRate,
        };
    }
}
