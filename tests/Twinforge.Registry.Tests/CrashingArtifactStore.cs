using Twinforge.Registry.Artifacts;

namespace Twinforge.Registry.Tests;

/// <summary>
/// A real store that "crashes" (throws) on a chosen delete, standing for a process killed midway through the
/// artifact deletions that follow a committed consent withdrawal.
/// </summary>
internal sealed class CrashingArtifactStore(IArtifactStore inner, int crashOnDelete) : IArtifactStore
{
    int deletes;

    public string Put(Stream content) => inner.Put(content);
    public string PutFile(string path) => inner.PutFile(path);
    public string PutDirectory(string directory) => inner.PutDirectory(directory);
    public Stream OpenRead(string contentHash) => inner.OpenRead(contentHash);
    public void ExtractDirectory(string contentHash, string destination) => inner.ExtractDirectory(contentHash, destination);
    public bool Exists(string contentHash) => inner.Exists(contentHash);
    public IReadOnlyList<StoredArtifact> List() => inner.List();

    public bool Delete(string contentHash)
    {
        if (++deletes == crashOnDelete) throw new IOException($"simulated crash before deleting {contentHash}");
        return inner.Delete(contentHash);
    }
}
