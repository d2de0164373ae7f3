using System.Diagnostics;
using Twinforge.Engine.Serving;

namespace Twinforge.Bench.Serving;

/// <summary>When a request arrived and when each of its tokens reached the reader (Stopwatch timestamps).</summary>
public sealed record StreamTimes(long Arrived, IReadOnlyList<long> Tokens)
{
    /// <summary>Reads the stream to its end, stamping each token as it arrives.</summary>
    public static async Task<StreamTimes> Follow(BatchedStream stream, long arrived)
    {
        var tokens = new List<long>();
        await foreach (var _ in stream.Tokens.ReadAllAsync()) tokens.Add(Stopwatch.GetTimestamp());
        return new StreamTimes(arrived, tokens);
    }

    public double TimeToFirstTokenMs => Stopwatch.GetElapsedTime(Arrived, Tokens[0]).TotalMilliseconds;

    /// <summary>The gaps between consecutive tokens.</summary>
    public IEnumerable<double> TokenGapsMs => Tokens.Zip(Tokens.Skip(1), (before, after) => Stopwatch.GetElapsedTime(before, after).TotalMilliseconds);

    /// <summary>Percentile <paramref name="p"/> (0–100) by nearest rank.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToList();
        int rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
