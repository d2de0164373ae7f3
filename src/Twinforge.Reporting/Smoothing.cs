namespace Twinforge.Reporting;

/// <summary>Smoothing of noisy per-step series for plots.</summary>
public static class Smoothing
{
    /// <summary>
    /// Exponential moving average with weight 2/(window+1), bias-corrected like TensorBoard's so the start is not
    /// pulled towards zero. Non-finite values (skipped steps) are passed over and stay NaN in the output.
    /// </summary>
    public static double[] ExponentialMovingAverage(IReadOnlyList<double> values, int window)
    {
        double weight = 2.0 / (Math.Max(1, window) + 1);
        var smoothed = new double[values.Count];
        double average = 0, correction = 0;
        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                smoothed[i] = double.NaN;
                continue;
            }
            average = (1 - weight) * average + weight * values[i];
            correction = (1 - weight) * correction + weight;
            smoothed[i] = average / correction;
        }
        return smoothed;
    }

    /// <summary>A light window for <paramref name="count"/> points: about 2% of the run, at least 1, at most 50.</summary>
    public static int LightWindow(int count) => Math.Clamp(count / 50, 1, 50);
}
