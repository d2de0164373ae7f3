using System.Diagnostics;
using Twinforge.Hub;

namespace Twinforge.Cli.Progress;

/// <summary>
/// A pull's progress as plain lines, like the training view: what is fetched and how much is cached, then per file
/// the bytes so far and the rate (at most every few seconds), every resumed connection, and each file as it is ready.
/// </summary>
public sealed class PullProgressView(TextWriter output)
{
    static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    readonly Stopwatch clock = Stopwatch.StartNew();
    TimeSpan lastLine = TimeSpan.Zero;
    long bytesAtStart;

    public void Publish(HubPullEvent pullEvent)
    {
        switch (pullEvent)
        {
            case PullStarted started:
                bytesAtStart = started.CachedBytes;
                output.WriteLine($"{started.Model.RepoId}: revision {started.Model.Revision} is commit {started.Commit}; " +
                                 $"{started.FileCount} files, {Size(started.TotalBytes)}, {Size(started.TotalBytes - started.CachedBytes)} to download");
                break;
            case BytesReceived received when clock.Elapsed - lastLine >= Interval && received.FileDone < received.FileSize:
                lastLine = clock.Elapsed;
                output.WriteLine($"  {received.File}: {Size(received.FileDone)} of {Size(received.FileSize)}; " +
                                 $"all {Size(received.TotalDone)} of {Size(received.TotalBytes)} at {Rate(received.TotalDone)}");
                break;
            case DownloadResumed resumed:
                output.WriteLine($"  {resumed.File}: connection lost, resuming from byte {resumed.From:N0}");
                break;
            case WaitingForOtherPull waiting:
                output.WriteLine($"  {waiting.File}: another pull is downloading it; waiting for that one");
                break;
            case FileReady ready:
                output.WriteLine($"  {ready.File}: {Size(ready.Size)}, {(ready.WasCached ? "cached" : "downloaded and checked")}");
                break;
        }
        output.Flush();
    }

    string Rate(long totalDone)
    {
        var seconds = clock.Elapsed.TotalSeconds;
        return seconds <= 0 ? "-" : $"{Size((long)((totalDone - bytesAtStart) / seconds))}/s";
    }

    /// <summary>Bytes in the largest unit that keeps the number at least 1 (1024-based, as <c>du -h</c>).</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1) (value, unit) = (value / 1024, unit + 1);
        return unit == 0 ? $"{bytes} B" : $"{value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
