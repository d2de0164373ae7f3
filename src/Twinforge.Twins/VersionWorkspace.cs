namespace Twinforge.Twins;

/// <summary>
/// Where versions train: one directory per version under a root. A version interrupted mid-training (its process
/// stopped or killed) keeps its directory, with its unpacked data and last checkpoint, so training it again resumes
/// there — on any machine that shares the root; the directory is deleted once the version succeeds or fails, and when
/// the data it was derived from is erased. Versions of one registry only: ids are the registry's.
/// </summary>
/// <example><code>var workspace = new VersionWorkspace("/srv/twinforge/work"); var directory = workspace.Open(version.Id);</code></example>
public sealed class VersionWorkspace(string root)
{
    const string Prefix = "version-";

    public string Root => root;

    public string PathOf(long versionId) => Path.Combine(root, Prefix + versionId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The version's directory, created if absent (and kept as it is if present: a resume).</summary>
    public string Open(long versionId) => Directory.CreateDirectory(PathOf(versionId)).FullName;

    public bool Exists(long versionId) => Directory.Exists(PathOf(versionId));

    public void Delete(long versionId)
    {
        if (Exists(versionId)) Directory.Delete(PathOf(versionId), recursive: true);
    }

    /// <summary>Deletes the directory of every version <paramref name="isErased"/> says is gone; returns their ids.</summary>
    public IReadOnlyList<long> DeleteWhere(Func<long, bool> isErased)
    {
        if (!Directory.Exists(root)) return [];
        var deleted = new List<long>();
        foreach (var directory in Directory.EnumerateDirectories(root, Prefix + "*"))
        {
            if (!long.TryParse(Path.GetFileName(directory)[Prefix.Length..], out var versionId) || !isErased(versionId)) continue;
            Directory.Delete(directory, recursive: true);
            deleted.Add(versionId);
        }
        return deleted;
    }
}
