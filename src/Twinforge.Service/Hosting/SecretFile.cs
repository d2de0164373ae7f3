using Twinforge.Storage;

namespace Twinforge.Service.Hosting;

/// <summary>
/// Where one of the service's secrets (the provenance signing key, the watermark master secret) is kept: the file a
/// setting names, which must exist, or the data directory's own, created on the first start — written whole with mode
/// 0600 (only the service's user reads it), and, if two processes start at once on one directory, the first one's kept
/// and read by both.
/// </summary>
internal static class SecretFile
{
    /// <summary>
    /// The secret's path: <paramref name="configured"/> (refused when missing, naming <paramref name="setting"/> and
    /// what it should hold, <paramref name="expected"/>), else <paramref name="defaultPath"/>, created with
    /// <paramref name="create"/>'s bytes if it does not exist; and whether this call created it.
    /// </summary>
    public static (string Path, bool Created) Locate(string? configured, string defaultPath, string setting, string expected, Func<byte[]> create)
    {
        if (configured is { Length: > 0 })
        {
            var path = Path.GetFullPath(configured);
            return File.Exists(path)
                ? (path, false)
                : throw new InvalidOperationException($"{setting} names '{path}', which does not exist: give {expected}, or leave it unset for one in the data directory");
        }
        var created = !File.Exists(defaultPath)
            && AtomicFile.TryCreate(defaultPath, stream => stream.Write(create()), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (defaultPath, created);
    }
}
