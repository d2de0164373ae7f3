using Twinforge.Storage;
using System.Security.Cryptography;

namespace Twinforge.Registry.Artifacts;

/// <summary>
/// An <see cref="IArtifactStore"/> on the local disk: <c>objects/ab/abcd…</c> under the root, one file per artifact
/// named by its SHA-256. Writes go to <c>incoming/</c> while being hashed, are flushed, then renamed into place, so an
/// object file is always complete; reads re-hash the file before handing it out.
/// </summary>
public sealed class LocalArtifactStore : IArtifactStore
{
    readonly string objects;
    readonly string incoming;

    public LocalArtifactStore(string root)
    {
        Root = Path.GetFullPath(root);
        objects = Path.Combine(Root, "objects");
        incoming = Path.Combine(Root, "incoming");
        Directory.CreateDirectory(objects);
        Directory.CreateDirectory(incoming);
    }

    public string Root { get; }

    /// <summary>Where the artifact with this hash is (or would be) kept.</summary>
    public string PathOf(string contentHash)
    {
        ContentHash.Require(contentHash);
        return Path.Combine(objects, contentHash[..2], contentHash);
    }

    public string Put(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return PutWritten(destination => content.CopyTo(destination));
    }

    public string PutFile(string path)
    {
        using var content = File.OpenRead(path);
        return Put(content);
    }

    public string PutDirectory(string directory) => PutWritten(destination => DirectoryArchive.Write(directory, destination));

    public Stream OpenRead(string contentHash)
    {
        var path = PathOf(contentHash);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArtifactNotFoundException(contentHash, Root);
        }
        try
        {
            // Verify through the same handle that is returned, so the bytes checked are the bytes served.
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != contentHash) throw new ArtifactCorruptedException(contentHash, path, actual, stream.Length);
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void ExtractDirectory(string contentHash, string destination)
    {
        // Extracted beside the destination and renamed into place (replacing an earlier copy), as every directory write is.
        AtomicDirectory.Write(destination, temporary =>
        {
            using var archive = OpenRead(contentHash);
            DirectoryArchive.Extract(archive, temporary, $"artifact {contentHash}");
        });
    }

    public bool Exists(string contentHash) => File.Exists(PathOf(contentHash));

    public bool Delete(string contentHash)
    {
        var path = PathOf(contentHash);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        // Its two-letter folder goes with its last object: an erasure leaves no trace of which prefixes were used.
        try
        {
            Directory.Delete(Path.GetDirectoryName(path)!);
        }
        catch (IOException)
        {
            // Not empty (another object shares the prefix), or a concurrent put is writing into it: it stays.
        }
        return true;
    }

    public IReadOnlyList<StoredArtifact> List()
    {
        var found = new List<StoredArtifact>();
        foreach (var path in Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(path);
            if (!ContentHash.IsValid(name)) continue;
            var info = new FileInfo(path);
            found.Add(new StoredArtifact(name, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.ContentHash, b.ContentHash));
        return found;
    }

    /// <summary>
    /// Removes temporary files of writes that never finished (a process killed mid-put) and are older than
    /// <paramref name="olderThan"/>; a younger one may belong to a write still in progress. Returns how many.
    /// </summary>
    public int DeleteAbandonedWrites(TimeSpan olderThan)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(incoming))
        {
            if (File.GetLastWriteTimeUtc(path) > cutoff) continue;
            File.Delete(path);
            deleted++;
        }
        return deleted;
    }

    string PutWritten(Action<Stream> write)
    {
        var temporary = Path.Combine(incoming, $"{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            string hash;
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                using (var hashing = new HashingWriteStream(file, hasher))
                    write(hashing);
                file.Flush(flushToDisk: true);
                hash = Convert.ToHexStringLower(hasher.GetHashAndReset());
            }
            var path = PathOf(hash);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path))
            {
                // Same content already stored. Renew its time so garbage collection's grace period counts from this
                // put: the caller is about to record it.
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
                File.Delete(temporary);
            }
            else
            {
                try
                {
                    File.Move(temporary, path, overwrite: true);
                }
                catch (DirectoryNotFoundException)
                {
                    // A delete of the prefix's last object removed its empty folder in between: made again.
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.Move(temporary, path, overwrite: true);
                }
            }
            return hash;
        }
        catch
        {
            if (File.Exists(temporary)) File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Passes writes through to a file while feeding them to a hash.</summary>
    sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }
    }
}
