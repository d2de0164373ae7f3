namespace Twinforge.Registry.Records;

/// <summary>A person whose face, voice or words a twin is built from. Names are unique across the registry.</summary>
public sealed record Creator(long Id, string Name, DateTimeOffset CreatedAt);
