using System.Net;
using System.Security.Cryptography;

namespace Twinforge.Hub;

/// <summary>
/// One file of a revision into its blob: streamed into <c>blobs/ETAG.incomplete</c>, resumed from that file's length
/// with an HTTP Range request after a cut connection (now, up to <see cref="HubSettings.DownloadAttempts"/> times, or on
/// the next pull), and renamed to <c>blobs/ETAG</c> only once its bytes hash to what the Hub reports: the SHA-256 for an
/// LFS file, the git blob id for any other. A mismatch deletes the partial file, so nothing wrong is ever kept as valid.
/// A pull of the same blob elsewhere is waited for (<see cref="HubFileLock"/>).
/// </summary>
internal static class HubBlobDownload
{
    const int BufferSize = 1 << 20;

    /// <returns>Whether this call fetched the blob; false when it was whole in the cache, or became whole while this one waited.</returns>
    /// <param name="onBytes">Called with each chunk's byte count as it is written (the part resumed from counts too).</param>
    /// <param name="onRetry">Called with the byte the next attempt resumes from, after a cut connection.</param>
    /// <param name="onWaiting">Called if another pull is downloading the same blob: this one waits for it.</param>
    public static async Task<bool> EnsureAsync(HubClient client, HubRepositoryCache cache, string commit, HubFile file,
        Action<long> onBytes, Action<long> onRetry, Action onWaiting, CancellationToken cancellationToken)
    {
        var blob = cache.BlobPath(file.Etag);
        if (File.Exists(blob)) return false;
        using var held = await HubFileLock.AcquireAsync(cache.LockPath(file.Etag), onWaiting, cancellationToken);
        // Whoever held the lock before may have finished this very blob.
        if (File.Exists(blob)) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        var incomplete = cache.IncompletePath(file.Etag);
        for (int attempt = 1; ; attempt++)
        {
            long offset = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
            if (offset > file.Size) offset = Truncate(incomplete);
            if (attempt == 1 && offset > 0) onBytes(offset);
            if (offset == file.Size) break;
            try
            {
                await DownloadFromAsync(client, cache.RepoId, commit, file, incomplete, offset, onBytes, cancellationToken);
                break;
            }
            catch (Exception cut) when (cut is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                var have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                if (attempt >= client.Settings.DownloadAttempts)
                    throw new HubException(HubProblem.Transfer,
                        $"hf:{cache.RepoId}: the download of '{file.Name}' was cut at {have} of {file.Size} bytes {attempt} times ({cut.Message}); " +
                        $"pull again to resume from {incomplete}", cut);
                onRetry(have);
            }
        }
        Verify(cache.RepoId, incomplete, file);
        File.Move(incomplete, blob, overwrite: true);
        return true;
    }

    static async Task DownloadFromAsync(HubClient client, string repoId, string commit, HubFile file, string incomplete, long offset,
        Action<long> onBytes, CancellationToken cancellationToken)
    {
        using var response = await client.OpenFileAsync(repoId, commit, file.Name, offset, cancellationToken);
        if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            // The server sent the whole file instead of the range asked for: start again from its first byte.
            onBytes(-offset);
            offset = Truncate(incomplete);
        }
        else if (offset > 0 && response.Content.Headers.ContentRange?.From != offset)
            throw new HubException(HubProblem.Transfer,
                $"hf:{repoId}: '{file.Name}' was asked from byte {offset} and the answer starts at {response.Content.Headers.ContentRange?.From}");
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var target = new FileStream(incomplete, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize);
        var buffer = new byte[BufferSize];
        long written = offset;
        // Each read waits at most the download timeout: a transfer that stalls is cut, and the next attempt resumes it.
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        async Task<int> ReadAsync()
        {
            stalled.CancelAfter(client.Settings.DownloadTimeout);
            try
            {
                return await source.ReadAsync(buffer, stalled.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"no bytes for {HubClient.Seconds(client.Settings.DownloadTimeout)} (HF_HUB_DOWNLOAD_TIMEOUT sets the wait)", e);
            }
        }
        try
        {
            int read;
            while ((read = await ReadAsync()) > 0)
            {
                written += read;
                // More than was listed means this is not the file listed: stop before filling the disk with it.
                if (written > file.Size) throw Corrupted(repoId, file, incomplete, $"more than the {file.Size} bytes listed");
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                onBytes(read);
            }
        }
        finally
        {
            // What arrived stays on disk for the next attempt to resume from.
            await target.FlushAsync(CancellationToken.None);
            target.Flush(flushToDisk: true);
        }
        if (written < file.Size) throw new IOException($"the connection closed after {written} of {file.Size} bytes");
    }

    static long Truncate(string path)
    {
        File.Delete(path);
        return 0;
    }

    static void Verify(string repoId, string incomplete, HubFile file)
    {
        var (actual, expected, what) = file.Sha256 is { } sha256
            ? (HashOf(incomplete, SHA256.Create()), sha256, "SHA-256")
            : (HashOf(incomplete, null), file.BlobId, "git blob id");
        if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
            throw Corrupted(repoId, file, incomplete, $"its {what} is {actual}, the Hub reports {expected}");
    }

    /// <summary>The file's hash with <paramref name="algorithm"/>, or its git blob id when null.</summary>
    static string HashOf(string path, HashAlgorithm? algorithm)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        if (algorithm is not null)
        {
            using (algorithm) return Convert.ToHexStringLower(algorithm.ComputeHash(stream));
        }
        using var hash = GitBlobId.Start(stream.Length);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static HubException Corrupted(string repoId, HubFile file, string incomplete, string why)
    {
        File.Delete(incomplete);
        return new HubException(HubProblem.Corrupted, $"hf:{repoId}: '{file.Name}' was refused: {why}; the download was deleted, pull again");
    }
}
