namespace Twinforge.Twins.Fidelity;

/// <summary>
/// What an evaluated version may not exceed to be promoted automatically. Memorisation is judged against the base,
/// which never saw the data: what the base also writes is common phrasing, not recital. Forgetting is judged on the
/// paired bootstrap's interval, so only a loss of general ability beyond its noise counts.
/// </summary>
/// <param name="MaxVerbatimShareOverBase">The most the share of the twin's answers' word n-grams found in its training answers may exceed the base's.</param>
/// <param name="MaxExtractionRateOverBase">The most the share of training answers it completes word for word may exceed the base's.</param>
/// <param name="MaxForgetting">
/// The most the twin's loss on general text may exceed the base's (nats per token): refused when the whole 95% interval
/// lies above it. Against the parent version, any rise beyond the interval's noise refuses.
/// </param>
/// <param name="MaxCanaryExposure">
/// The most bits of exposure a planted canary may have over the base's (when the recipe planted one): above it, the
/// recipe memorises a secret seen that often, and its version is not promoted.
/// </param>
public sealed record EvaluationLimits(double MaxVerbatimShareOverBase = 0.05, double MaxExtractionRateOverBase = 0.10, double MaxForgetting = 0.10,
    double MaxCanaryExposure = 10)
{
    /// <summary>Throws <see cref="ArgumentException"/> for a limit that is negative or not a number.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("verbatim share", MaxVerbatimShareOverBase), ("extraction rate", MaxExtractionRateOverBase), ("forgetting", MaxForgetting), ("canary exposure", MaxCanaryExposure) })
            if (!(value >= 0)) throw new ArgumentException($"the {name} limit must be ≥ 0, got {value}");
    }
}
