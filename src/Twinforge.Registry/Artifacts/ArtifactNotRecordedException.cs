using Twinforge.Registry.Errors;

namespace Twinforge.Registry.Artifacts;

/// <summary>
/// An artifact was asked for that no live version or dataset records — an orphan from a crash between writing and
/// recording, or content of something deleted. It is never served.
/// </summary>
public sealed class ArtifactNotRecordedException(string contentHash)
    : RegistryException($"artifact {contentHash} is not recorded by any live version or dataset in the registry; it will not be served")
{
    public string ContentHash { get; } = contentHash;
}
