using Twinforge.Registry.Errors;

namespace Twinforge.Registry.Artifacts;

/// <summary>The store holds no artifact with this hash.</summary>
public sealed class ArtifactNotFoundException(string contentHash, string location)
    : RegistryException($"artifact {contentHash} is not in the artifact store at {location}")
{
    public string ContentHash { get; } = contentHash;
}
