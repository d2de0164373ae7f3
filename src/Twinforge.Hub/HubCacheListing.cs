namespace Twinforge.Hub;

/// <summary>A model in the cache: its revisions (snapshots) and the size of its blobs on disk.</summary>
public sealed record CachedModel(string RepoId, long SizeBytes, IReadOnlyList<CachedRevision> Revisions);

/// <summary>A snapshot: its commit, the branches or tags that last resolved to it, its files and their size.</summary>
public sealed record CachedRevision(string Commit, IReadOnlyList<string> Refs, int FileCount, long SizeBytes);

/// <summary>What the Hugging Face cache holds, whoever wrote it (Twinforge or the Python tools).</summary>
public static class HubCacheListing
{
    const string Prefix = "models--";

    public static IReadOnlyList<CachedModel> List(string cacheDirectory)
    {
        if (!Directory.Exists(cacheDirectory)) return [];
        return Directory.EnumerateDirectories(cacheDirectory, Prefix + "*")
            .Select(folder => Read(folder, Path.GetFileName(folder)[Prefix.Length..].Replace("--", "/", StringComparison.Ordinal)))
            .OrderBy(model => model.RepoId, StringComparer.OrdinalIgnoreCase).ToList();
    }

    static CachedModel Read(string folder, string repoId)
    {
        var blobs = Path.Combine(folder, "blobs");
        long size = Directory.Exists(blobs)
            ? Directory.EnumerateFiles(blobs).Where(path => !path.EndsWith(".incomplete", StringComparison.Ordinal)).Sum(path => new FileInfo(path).Length)
            : 0;
        var refs = Path.Combine(folder, "refs");
        var refsByCommit = (Directory.Exists(refs) ? Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories) : [])
            .Select(path => (Name: Path.GetRelativePath(refs, path).Replace(Path.DirectorySeparatorChar, '/'), Commit: File.ReadAllText(path).Trim()))
            .ToLookup(entry => entry.Commit, entry => entry.Name);
        var snapshots = Path.Combine(folder, "snapshots");
        var revisions = (Directory.Exists(snapshots) ? Directory.EnumerateDirectories(snapshots) : [])
            .Select(snapshot =>
            {
                var files = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories).Where(HubRepositoryCache.LeadsToFile).ToList();
                var commit = Path.GetFileName(snapshot);
                return new CachedRevision(commit, refsByCommit[commit].Order(StringComparer.Ordinal).ToList(), files.Count,
                    files.Sum(SizeOf));
            })
            .OrderBy(revision => revision.Commit, StringComparer.Ordinal).ToList();
        return new CachedModel(repoId, size, revisions);
    }

    /// <summary>The size of the file a snapshot's link leads to, not of the link.</summary>
    static long SizeOf(string path)
    {
        var info = new FileInfo(path);
        return (info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info).Length;
    }
}
