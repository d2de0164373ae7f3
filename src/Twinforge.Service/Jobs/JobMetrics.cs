using System.Diagnostics.Metrics;
using Hangfire;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Jobs;

/// <summary>
/// The jobs' instruments, on the meter <c>Twinforge.Jobs</c> (exported with every <c>Twinforge.*</c> meter where the
/// service exports metrics): jobs by state (from the registry, so every process reports the whole fleet's), the
/// queue's depth (Hangfire's enqueued count), and training throughput as the workers of this process train.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = "Twinforge.Jobs";

    readonly Histogram<double> tokensPerSecond;
    readonly Counter<long> trainedTokens;

    public JobMetrics(IMeterFactory meters, ServiceStorage storage, JobStorage queue)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("twinforge.jobs", () => storage.Registry.CountJobsByStatus()
                .Select(count => new Measurement<int>(count.Value, new KeyValuePair<string, object?>("state", count.Key))),
            unit: "{job}", description: "Fine-tuning jobs in each state (validating_files, queued, running, succeeded, failed, cancelled).");
        meter.CreateObservableGauge("twinforge.jobs.queue_depth", () => queue.GetMonitoringApi().EnqueuedCount(JobQueue.Name),
            unit: "{job}", description: "Jobs waiting in the queue for a worker.");
        tokensPerSecond = meter.CreateHistogram<double>("twinforge.jobs.training_tokens_per_second", unit: "{token}/s",
            description: "Training throughput of each update a worker of this process made.");
        trainedTokens = meter.CreateCounter<long>("twinforge.jobs.trained_tokens", unit: "{token}",
            description: "Tokens trained on by the workers of this process.");
    }

    public void RecordStep(long tokens, double tokensPerSecondOfStep)
    {
        trainedTokens.Add(tokens);
        if (double.IsFinite(tokensPerSecondOfStep) && tokensPerSecondOfStep > 0) tokensPerSecond.Record(tokensPerSecondOfStep);
    }
}
