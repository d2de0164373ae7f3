namespace Twinforge.Hub;

/// <summary>What a pull reports as it goes, for a progress view.</summary>
public abstract record HubPullEvent;

/// <summary>The revision <paramref name="Model"/> names is resolved to <paramref name="Commit"/>: <paramref name="TotalBytes"/> over every selected file, <paramref name="CachedBytes"/> of them already whole in the cache.</summary>
public sealed record PullStarted(HubModelReference Model, string Commit, int FileCount, long TotalBytes, long CachedBytes) : HubPullEvent;

/// <summary>Bytes arrived (or, for a resumed file, were found in its <c>.incomplete</c>): totals so far.</summary>
public sealed record BytesReceived(string File, long FileDone, long FileSize, long TotalDone, long TotalBytes) : HubPullEvent;

/// <summary>A connection was cut; the next request resumes <paramref name="File"/> from byte <paramref name="From"/>.</summary>
public sealed record DownloadResumed(string File, long From) : HubPullEvent;

/// <summary>Another pull (another process, or another caller in this one) is downloading <paramref name="File"/>: this one waits for it.</summary>
public sealed record WaitingForOtherPull(string File) : HubPullEvent;

/// <summary>A file is whole, checked and linked into the snapshot.</summary>
public sealed record FileReady(string File, long Size, bool WasCached) : HubPullEvent;
