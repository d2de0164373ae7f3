namespace Twinforge.Hub;

/// <summary>
/// One repository's folder in the Hugging Face cache, laid out as huggingface_hub's <c>file_download.py</c> writes it,
/// so the Python tools and Twinforge share files:
/// <code>
/// models--ORG--NAME/
///   blobs/ETAG                         a file's content, named by its etag (SHA-256 for LFS, git blob id otherwise)
///   blobs/ETAG.incomplete              a download in progress, resumed from its length
///   snapshots/COMMIT/FILE              a relative symbolic link to ../../blobs/ETAG
///   refs/REVISION                      the commit a branch or tag pointed to when last resolved
/// .locks/models--ORG--NAME/ETAG.lock   held while that blob downloads
/// </code>
/// </summary>
public sealed class HubRepositoryCache(string cacheDirectory, string repoId)
{
    public string RepoId { get; } = repoId;

    /// <summary><c>models--ORG--NAME</c> under the cache root.</summary>
    public string Directory { get; } = Path.Combine(cacheDirectory, FolderName(repoId));

    public static string FolderName(string repoId) => "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);

    public string BlobPath(string etag) => Path.Combine(Directory, "blobs", etag);

    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";

    /// <summary>The lock a download of the blob holds: <c>.locks/models--ORG--NAME/ETAG.lock</c> under the cache root, as huggingface_hub's.</summary>
    public string LockPath(string etag) => Path.Combine(cacheDirectory, ".locks", FolderName(RepoId), etag + ".lock");

    public string SnapshotDirectory(string commit) => Path.Combine(Directory, "snapshots", commit);

    /// <summary>A branch such as <c>refs/pr/1</c> keeps its slashes as folders, as the Python tools write it.</summary>
    public string RefPath(string revision) => Path.Combine(Directory, "refs", revision);

    /// <summary>The commit <paramref name="revision"/> resolved to when last online; null if never.</summary>
    public string? ReadRef(string revision) =>
        File.Exists(RefPath(revision)) && File.ReadAllText(RefPath(revision)).Trim() is { Length: > 0 } commit ? commit : null;

    public void WriteRef(string revision, string commit) => AtomicFile.Write(RefPath(revision), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(commit)));

    /// <summary>True when the snapshot has <paramref name="fileName"/> and its link leads to a whole blob.</summary>
    public bool HasFile(string commit, string fileName) => LeadsToFile(Path.Combine(SnapshotDirectory(commit), fileName));

    /// <summary>True for a file, or a link that leads to one (File.Exists is true for a link whose target is gone).</summary>
    public static bool LeadsToFile(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && (info.LinkTarget is null || info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true });
    }

    /// <summary>
    /// Links <c>snapshots/COMMIT/FILE</c> to its blob with a relative link (so the cache may move), replacing any
    /// older link by a rename, so the name never points nowhere.
    /// </summary>
    public void Link(string commit, string fileName, string etag)
    {
        var link = Path.Combine(SnapshotDirectory(commit), fileName);
        var folder = Path.GetDirectoryName(link)!;
        System.IO.Directory.CreateDirectory(folder);
        var target = Path.GetRelativePath(folder, BlobPath(etag));
        if (new FileInfo(link).LinkTarget == target) return;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(link)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.CreateSymbolicLink(temporary, target);
        File.Move(temporary, link, overwrite: true);
    }
}
