using System.Text.Json;
using Twinforge.Registry.Records;

namespace Twinforge.Service.Jobs;

// The fine-tuning API's shapes, as the hosted API and its SDKs read them; Twinforge's additions under "twinforge".

/// <summary>
/// <c>POST /v1/fine_tuning/jobs</c>. <c>method</c>, <c>hyperparameters</c> (legacy) and <c>twinforge</c> are read by
/// <see cref="JobRequest"/>, since each hyperparameter is a number or "auto" and the extension is checked key by key.
/// </summary>
public sealed record CreateFineTuningJobRequest(string? Model, string? TrainingFile, string? ValidationFile, string? Suffix, long? Seed,
    Dictionary<string, string>? Metadata, JsonElement? Method, JsonElement? Hyperparameters, JsonElement? Integrations, JsonElement? Twinforge);

/// <summary>The hyperparameters a job resolved to (the hosted API shows numbers once a job runs; here from the start).</summary>
public sealed record HyperparametersObject(int NEpochs, int BatchSize, double LearningRateMultiplier);

public sealed record SupervisedMethodObject(HyperparametersObject Hyperparameters);

public sealed record MethodObject(string Type, SupervisedMethodObject Supervised);

public sealed record JobErrorObject(string Code, string Message, string? Param);

/// <summary>
/// Twinforge's part of a job: the creator whose data it trains on, the twin and version it makes (from
/// <c>parent_version</c> for an update), the alias it promotes to, and whether a cancel was asked for.
/// </summary>
public sealed record JobExtension(string Creator, string Twin, int Version, int? ParentVersion, string? PromoteTo, bool CancelRequested, int Attempts);

/// <summary>A job, <c>{"object":"fine_tuning.job","id":"ftjob-…",…}</c>.</summary>
public sealed record FineTuningJobObject(
    string Object,
    string Id,
    string Model,
    long CreatedAt,
    long? FinishedAt,
    string? FineTunedModel,
    string OrganizationId,
    IReadOnlyList<string> ResultFiles,
    string Status,
    string? ValidationFile,
    string TrainingFile,
    HyperparametersObject Hyperparameters,
    long? TrainedTokens,
    JobErrorObject? Error,
    string? UserProvidedSuffix,
    int Seed,
    long? EstimatedFinish,
    IReadOnlyList<object> Integrations,
    IReadOnlyDictionary<string, string>? Metadata,
    MethodObject Method,
    JobExtension Twinforge)
{
    public static FineTuningJobObject From(FineTuningJob job)
    {
        var settings = JobSettings.FromJson(job.SettingsJson);
        return new FineTuningJobObject("fine_tuning.job", job.PublicId, job.Model, job.CreatedAt.ToUnixTimeSeconds(), job.FinishedAt?.ToUnixTimeSeconds(),
            job.FineTunedModel, settings.Organization, [], job.Status, job.ValidationFile, job.TrainingFile, settings.Hyperparameters, job.TrainedTokens,
            job.Error is { } error ? new JobErrorObject(error.Code, error.Message, error.Param) : null, job.Suffix, (int)job.Seed, null, [],
            settings.Metadata, new MethodObject("supervised", new SupervisedMethodObject(settings.Hyperparameters)),
            new JobExtension(settings.Creator, settings.Twin, settings.Version, settings.ParentVersion, settings.PromoteTo, job.CancelRequestedAt is not null,
                job.Attempts));
    }
}

/// <summary>An event, <c>{"object":"fine_tuning.job.event","id":"ftevent-…","level","message","type","data"}</c>.</summary>
public sealed record JobEventObject(string Object, string Id, long CreatedAt, string Level, string Message, string Type, JsonElement Data)
{
    static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    public static JobEventObject From(FineTuningJobEvent jobEvent) => new("fine_tuning.job.event", jobEvent.PublicId,
        jobEvent.CreatedAt.ToUnixTimeSeconds(), jobEvent.Level, jobEvent.Message, jobEvent.Type,
        jobEvent.DataJson is { } data ? JsonDocument.Parse(data).RootElement.Clone() : Empty);
}

/// <summary>
/// A checkpoint, <c>{"object":"fine_tuning.job.checkpoint","id":"ftckpt-…","step_number","metrics",…}</c>: a resumable
/// training checkpoint in the job's work directory (what a resumed or cancelled job keeps), not a servable model.
/// </summary>
public sealed record JobCheckpointObject(string Object, string Id, long CreatedAt, string FineTunedModelCheckpoint, int StepNumber, JsonElement Metrics,
    string FineTuningJobId)
{
    public static JobCheckpointObject From(FineTuningJobCheckpoint checkpoint, FineTuningJob job) => new("fine_tuning.job.checkpoint", checkpoint.PublicId,
        checkpoint.CreatedAt.ToUnixTimeSeconds(), $"{JobSettings.FromJson(job.SettingsJson).FineTunedModel}:ckpt-step-{checkpoint.Step}", checkpoint.Step,
        JsonDocument.Parse(checkpoint.MetricsJson).RootElement.Clone(), job.PublicId);
}
