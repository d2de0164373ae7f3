namespace Twinforge.Twins.Provenance;

/// <summary>
/// The sampling settings a completion was generated with, as the engine applied them (after the API's defaults and
/// <c>top_p: 0</c> → greedy): with the same weights, prompt and a seed, they reproduce the text.
/// </summary>
public sealed record ProvenanceSampling(double Temperature, double TopP, int MaxTokens, long? Seed, IReadOnlyList<string> Stop)
{
    public bool Equals(ProvenanceSampling? other) => other is not null && Temperature.Equals(other.Temperature) && TopP.Equals(other.TopP)
        && MaxTokens == other.MaxTokens && Seed == other.Seed && Stop.SequenceEqual(other.Stop);

    public override int GetHashCode() => HashCode.Combine(Temperature, TopP, MaxTokens, Seed, Stop.Count);
}
