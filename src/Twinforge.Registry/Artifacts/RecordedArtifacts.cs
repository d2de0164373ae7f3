namespace Twinforge.Registry.Artifacts;

/// <summary>
/// The way artifacts are served: only hashes that a live version or dataset in the registry records, read verified
/// from the store. An artifact written but never recorded (a crash between the two) is an orphan and is refused
/// with <see cref="ArtifactNotRecordedException"/> until garbage collection removes it.
/// </summary>
public sealed class RecordedArtifacts(ITwinRegistry registry, IArtifactStore store)
{
    public Stream OpenRead(string contentHash)
    {
        RequireRecorded(contentHash);
        return store.OpenRead(contentHash);
    }

    public void ExtractDirectory(string contentHash, string destination)
    {
        RequireRecorded(contentHash);
        store.ExtractDirectory(contentHash, destination);
    }

    void RequireRecorded(string contentHash)
    {
        ContentHash.Require(contentHash);
        if (!registry.IsArtifactRecorded(contentHash)) throw new ArtifactNotRecordedException(contentHash);
    }
}
