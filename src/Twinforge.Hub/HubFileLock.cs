namespace Twinforge.Hub;

/// <summary>
/// An exclusive lock on one blob's download, held while it is fetched, checked and renamed, so two pulls of the same
/// file — two processes, or two callers in one — never append to one <c>.incomplete</c> file. The lock file is
/// <c>.locks/models--ORG--NAME/ETAG.lock</c> under the cache root, where huggingface_hub keeps its own, and it is
/// taken with <c>flock</c> (what .NET's <see cref="FileShare.None"/> does on Unix, and Python's filelock too), so a
/// Python download of the same blob waits for this one and the other way round.
/// </summary>
internal sealed class HubFileLock : IDisposable
{
    static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);
    readonly FileStream handle;

    HubFileLock(FileStream handle) => this.handle = handle;

    /// <summary>Waits until no one else holds <paramref name="path"/>, then holds it until disposed.</summary>
    /// <param name="onWaiting">Called once if someone else holds it at first.</param>
    public static async Task<HubFileLock> AcquireAsync(string path, Action onWaiting, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        for (bool waited = false; ; waited = true)
        {
            try
            {
                return new HubFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Held elsewhere (a sharing violation, not a missing folder or a full disk: those throw again below).
                if (!waited) onWaiting();
                await Task.Delay(RetryInterval, cancellationToken);
            }
        }
    }

    public void Dispose() => handle.Dispose();
}
