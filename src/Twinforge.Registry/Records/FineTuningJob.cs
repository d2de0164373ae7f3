namespace Twinforge.Registry.Records;

/// <summary>
/// A fine-tuning job of an organisation (the service's <c>/v1/fine_tuning/jobs</c>): it trains one planned twin version
/// (<see cref="VersionId"/>) of one creator's data. The registry keeps its state, in the hosted API's terms
/// (<see cref="FineTuningJobStatus"/>), so that any process sharing the database (a worker, the API) reads and changes it;
/// a job queue only runs it. The job goes with its version when the creator's consent is withdrawn or the twin deleted.
/// </summary>
/// <param name="Model">The model the job was asked to fine-tune, as given (a base model's name or a twin).</param>
/// <param name="TrainingFile">The training file's public id as given (the file itself may be deleted later).</param>
/// <param name="SettingsJson">The request's settings as the service shows them (hyperparameters, method, metadata, extensions); opaque here.</param>
/// <param name="FineTunedModel">The model a succeeded job made, as callers name it.</param>
/// <param name="Attempts">How many times a worker started or resumed it.</param>
public sealed record FineTuningJob(
    long Id,
    string PublicId,
    long OrganisationId,
    long CreatorId,
    long VersionId,
    string Model,
    string TrainingFile,
    string? ValidationFile,
    string? Suffix,
    long Seed,
    string SettingsJson,
    string Status,
    FineTuningJobError? Error,
    string? FineTunedModel,
    long? TrainedTokens,
    DateTimeOffset? CancelRequestedAt,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    public bool IsFinished => FineTuningJobStatus.IsFinished(Status);
}

/// <summary>Why a job failed, as the hosted API reports it: a code, a message for people, and the parameter at fault.</summary>
public sealed record FineTuningJobError(string Code, string Message, string? Param);

/// <summary>What the caller supplies to record a job; it starts in <see cref="FineTuningJobStatus.ValidatingFiles"/>.</summary>
public sealed record NewFineTuningJob(
    string PublicId,
    long OrganisationId,
    long VersionId,
    string Model,
    string TrainingFile,
    string? ValidationFile,
    string? Suffix,
    long Seed,
    string SettingsJson);

/// <summary>How a job ends: its error when it failed, the model and trained tokens when it succeeded.</summary>
public sealed record FineTuningJobOutcome(FineTuningJobError? Error = null, string? FineTunedModel = null, long? TrainedTokens = null);
