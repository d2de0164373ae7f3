using Twinforge.Registry.Errors;

namespace Twinforge.Registry.Artifacts;

/// <summary>A stored artifact's bytes no longer match its hash (corrupted or truncated on disk); it is not used.</summary>
public sealed class ArtifactCorruptedException(string contentHash, string location, string actualHash, long actualLength)
    : RegistryException(
        $"artifact {contentHash} at {location} is corrupted or truncated: its {actualLength} bytes hash to {actualHash}; it will not be used (delete it and store it again from its source)")
{
    public string ContentHash { get; } = contentHash;
    public string Location { get; } = location;
}
