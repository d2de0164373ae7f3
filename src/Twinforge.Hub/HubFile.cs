namespace Twinforge.Hub;

/// <summary>
/// One file of a revision as the Hub lists it: its path in the repository, size, git blob id and, for a file kept in
/// Git LFS, the SHA-256 of its content.
/// </summary>
public sealed record HubFile(string Name, long Size, string BlobId, string? Sha256)
{
    /// <summary>
    /// The name of its blob in the cache, as the resolve endpoint's <c>X-Linked-Etag</c>/<c>ETag</c> gives it: the
    /// SHA-256 of an LFS file, the git blob id otherwise.
    /// </summary>
    public string Etag => Sha256 ?? BlobId;
}
