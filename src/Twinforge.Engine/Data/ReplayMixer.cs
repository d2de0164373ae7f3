namespace Twinforge.Engine.Data;

/// <summary>
/// Mixes general-domain sequences into the creator's batches (rehearsal, against forgetting what the base model knew):
/// each batch of B holds round(fraction × B) replay sequences, halves away from zero and at most B − 1, so every
/// batch keeps some creator data. Which ones is drawn from (seed, epoch, batch index) alone, so resuming a run at a
/// position replays the same sequences.
/// </summary>
/// <example><code>var mixer = new ReplayMixer(generalData.Train, fraction: 0.25); // 2 of every 8 sequences</code></example>
public sealed class ReplayMixer
{
    public ReplayMixer(PackedDataset replay, double fraction)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (!(fraction >= 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the replay fraction must be in [0, 1)");
        if (fraction > 0 && replay.Count == 0) throw new ArgumentException("the replay set has no sequences", nameof(replay));
        Data = replay;
        Fraction = fraction;
    }

    public PackedDataset Data { get; }

    public double Fraction { get; }

    /// <summary>Replay sequences in a batch of <paramref name="batchSize"/>.</summary>
    public int SequencesPerBatch(int batchSize) =>
        Math.Clamp((int)Math.Round(Fraction * batchSize, MidpointRounding.AwayFromZero), 0, Math.Max(0, batchSize - 1));

    /// <summary>
    /// <paramref name="count"/> replay sequence indices for the batch at <paramref name="position"/>: distinct
    /// (Floyd's sampling) when the replay set has that many, drawn with repetition otherwise.
    /// </summary>
    public IReadOnlyList<int> Draw(long seed, BatchPosition position, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0) return [];
        var random = SplitMix64.Derive(seed, RandomStreams.Replay, position.Epoch, position.Index);
        int size = Data.Count;
        var drawn = new List<int>(count);
        if (count > size)
        {
            for (int i = 0; i < count; i++) drawn.Add(random.NextInt(size));
            return drawn;
        }
        var chosen = new HashSet<int>();
        for (int j = size - count; j < size; j++)
        {
            int candidate = random.NextInt(j + 1);
            int pick = chosen.Add(candidate) ? candidate : j;
            if (pick == j) chosen.Add(j);
            drawn.Add(pick);
        }
        return drawn;
    }
}
