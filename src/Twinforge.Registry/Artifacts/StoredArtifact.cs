namespace Twinforge.Registry.Artifacts;

/// <summary>An artifact present in a store: its hash, size, and when it was last written or re-put.</summary>
public sealed record StoredArtifact(string ContentHash, long Length, DateTimeOffset WrittenAt);
