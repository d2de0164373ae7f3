using Twinforge.Service.Hosting;

namespace Twinforge.Service.Jobs;

/// <summary>
/// How fine-tuning jobs are queued and run (<c>Twinforge:Jobs</c>). Hangfire keeps the queue in the registry's own
/// database when that is PostgreSQL (schema <c>hangfire</c>; any number of <c>twinforge worker</c> processes share it),
/// else in <c>hangfire.db</c> (SQLite) beside the registry, for one machine.
/// </summary>
public sealed class JobsOptions
{
    /// <summary>Whether <c>serve</c> runs a worker in its own process (the one-machine default); <c>worker</c> always does.</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>Jobs one worker trains at once (Hangfire's worker count).</summary>
    public int Capacity { get; set; } = 1;

    /// <summary>
    /// Where versions train, each in <c>versions/version-{id}</c> with its checkpoints; default <c>work</c> in the data
    /// directory. Every worker that may resume a job must share it (with PostgreSQL: a shared directory, like the store).
    /// </summary>
    public string? WorkDirectory { get; set; }

    /// <summary>How often an idle worker looks for a queued job.</summary>
    public double PollIntervalSeconds { get; set; } = 1;

    /// <summary>
    /// How long a job fetched by a worker that died stays invisible before another worker takes it and resumes it from
    /// its last checkpoint. With PostgreSQL the timeout slides (a live worker keeps renewing it), so it can be short;
    /// default 300 s. With SQLite it does not slide, so it must exceed the longest job; default 12 h (a worker that
    /// stops gracefully re-queues its job at once either way).
    /// </summary>
    public double? InvisibilityTimeoutSeconds { get; set; }

    /// <summary>How often a running job's worker checks whether the job was cancelled (it also checks after each update).</summary>
    public double CancelCheckSeconds { get; set; } = 1;

    /// <summary>How long a stopping worker waits for its jobs to write a checkpoint and go back to the queue.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 60;

    public const string Requirements =
        "Twinforge:Jobs needs a capacity of at least 1 and positive poll, cancel-check, invisibility and shutdown times";

    public static bool AreValid(ServiceOptions options) => options.Jobs is { Capacity: >= 1, PollIntervalSeconds: > 0, CancelCheckSeconds: > 0, ShutdownTimeoutSeconds: > 0 }
        && options.Jobs.InvisibilityTimeoutSeconds is null or > 0;

    public TimeSpan PollInterval => TimeSpan.FromSeconds(PollIntervalSeconds);
    public TimeSpan CancelCheck => TimeSpan.FromSeconds(CancelCheckSeconds);
    public TimeSpan ShutdownTimeout => TimeSpan.FromSeconds(ShutdownTimeoutSeconds);

    public TimeSpan InvisibilityTimeout(bool sliding) =>
        TimeSpan.FromSeconds(InvisibilityTimeoutSeconds ?? (sliding ? 300 : 12 * 3600));
}
