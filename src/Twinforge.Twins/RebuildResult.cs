namespace Twinforge.Twins;

/// <summary>A version trained again from its record: the recorded and the rebuilt artifact hash, and whether they match.</summary>
public sealed record RebuildResult(string Kind, string RecordedHash, string RebuiltHash)
{
    public bool Identical => RecordedHash == RebuiltHash;
}
