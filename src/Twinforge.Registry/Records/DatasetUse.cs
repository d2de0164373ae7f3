namespace Twinforge.Registry.Records;

/// <summary>A dataset used by a version, and how: "train", "replay", "heldout", or another lowercase role.</summary>
public sealed record DatasetUse(long DatasetId, string Role)
{
    public const string Train = "train";
    public const string Replay = "replay";
    public const string HeldOut = "heldout";
}
