using System.Text.Json.Serialization;

namespace Twinforge.Engine.Data;

/// <summary>
/// What the over-long policy did to one file's examples (see <see cref="OverlongPolicy"/>): how many documents were
/// read, and how many of them were longer than the sequence length and so dropped, truncated or split.
/// </summary>
/// <param name="DocumentsRead">Documents read from the file before the policy (malformed lines not counted).</param>
/// <param name="Dropped">Documents left out whole.</param>
/// <param name="Truncated">Documents cut to their last sequence-length tokens.</param>
/// <param name="Split">Documents cut into pieces, each trained on its own.</param>
/// <param name="LongestTokens">The longest document read, in tokens (0 when none).</param>
public sealed record OverlongCounts(int DocumentsRead, int Dropped, int Truncated, int Split, int LongestTokens)
{
    public static OverlongCounts None { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Documents that were longer than the sequence length, whatever happened to them.</summary>
    [JsonIgnore]
    public int Overlong => Dropped + Truncated + Split;

    /// <summary>The share of the documents read that was dropped (0 when none were read).</summary>
    [JsonIgnore]
    public double DroppedFraction => DocumentsRead == 0 ? 0 : (double)Dropped / DocumentsRead;

    public OverlongCounts Add(OverlongCounts other) => new(DocumentsRead + other.DocumentsRead, Dropped + other.Dropped,
        Truncated + other.Truncated, Split + other.Split, Math.Max(LongestTokens, other.LongestTokens));
}
