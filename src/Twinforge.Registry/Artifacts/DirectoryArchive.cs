using System.Formats.Tar;

namespace Twinforge.Registry.Artifacts;

/// <summary>
/// A directory as one deterministic tar stream, so that a directory artifact has one content hash wherever and
/// whenever it is packed: POSIX ustar, regular files only, in ordinal order of their '/'-separated relative paths,
/// mode 0644, owner 0:0 with no names, modification time 1970-01-01. Empty directories, symbolic links and file times
/// are not kept; a symbolic link or special file is refused rather than silently dropped.
/// </summary>
public static class DirectoryArchive
{
    static readonly DateTimeOffset FixedTime = DateTimeOffset.UnixEpoch;
    const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string directory, Stream destination)
    {
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"directory to store not found: {root}");
        var files = ListFiles(root);
        using var writer = new TarWriter(destination, TarEntryFormat.Ustar, leaveOpen: true);
        foreach (var (relative, full) in files)
        {
            using var content = File.OpenRead(full);
            var entry = new UstarTarEntry(TarEntryType.RegularFile, relative)
            {
                DataStream = content,
                ModificationTime = FixedTime,
                Mode = FileMode,
                Uid = 0,
                Gid = 0,
                UserName = "",
                GroupName = "",
            };
            writer.WriteEntry(entry);
        }
    }

    /// <summary>
    /// The content hash <paramref name="directory"/> would be stored under (<see cref="IArtifactStore.PutDirectory"/>):
    /// its archive streamed through SHA-256 and written nowhere, for comparing without storing.
    /// </summary>
    public static string HashOf(string directory)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        using (var hashing = new System.Security.Cryptography.CryptoStream(Stream.Null, sha, System.Security.Cryptography.CryptoStreamMode.Write))
            Write(directory, hashing);
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>Unpacks an archive written by <see cref="Write"/> into an existing empty directory.</summary>
    public static void Extract(Stream archive, string directory, string description)
    {
        var root = Path.GetFullPath(directory);
        using var reader = new TarReader(archive, leaveOpen: true);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                throw new InvalidDataException($"{description}: entry '{entry.Name}' is a {entry.EntryType}, not a regular file; not a directory artifact");
            var target = Path.GetFullPath(Path.Combine(root, entry.Name));
            // A hash-verified archive can still have been put by anyone: never write outside the destination.
            if (Path.IsPathRooted(entry.Name) || !target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new InvalidDataException($"{description}: entry '{entry.Name}' points outside the directory");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var output = new FileStream(target, System.IO.FileMode.CreateNew, FileAccess.Write);
            entry.DataStream?.CopyTo(output);
        }
    }

    static List<(string Relative, string Full)> ListFiles(string root)
    {
        var files = new List<(string, string)>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
                throw new IOException($"{path} is a symbolic link; a directory artifact holds regular files only");
            if (Directory.Exists(path)) continue;
            var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            files.Add((relative, path));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return files;
    }
}
