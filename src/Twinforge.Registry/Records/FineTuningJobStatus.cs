namespace Twinforge.Registry.Records;

/// <summary>
/// A job's status, with the hosted fine-tuning API's names: <c>validating_files</c> → <c>queued</c> → <c>running</c> →
/// <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.
/// </summary>
public static class FineTuningJobStatus
{
    public const string ValidatingFiles = "validating_files";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [ValidatingFiles, Queued, Running, Succeeded, Failed, Cancelled];

    public static bool IsFinished(string status) => status is Succeeded or Failed or Cancelled;

    /// <summary>The statuses a job may be in while it has not finished.</summary>
    public static IReadOnlyList<string> Unfinished { get; } = [ValidatingFiles, Queued, Running];
}
