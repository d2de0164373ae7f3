using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Fine-tuning jobs, their events and checkpoints: the state of the service's jobs, which any process sharing the
// database reads and changes. Reads an organisation makes name it in their WHERE clause; status changes are one
// conditional UPDATE each, so two processes (a worker starting the job, the API cancelling it) never both win. A
// withdrawal or a twin deletion deletes the jobs of the versions it deletes (SqlTwinRegistry.ConsentWithdrawal.cs,
// SqlTwinRegistry.TwinDeletion.cs).
internal sealed partial class SqlTwinRegistry
{
    const string JobColumns =
        "j.id, j.public_id, j.organisation_id, j.creator_id, j.version_id, j.model, j.training_file, j.validation_file, j.suffix, j.seed, " +
        "j.settings, j.status, j.error_code, j.error_message, j.error_param, j.fine_tuned_model, j.trained_tokens, j.cancel_requested_at, " +
        "j.attempts, j.created_at, j.started_at, j.finished_at";
    const string JobEventColumns = "e.id, e.public_id, e.job_id, e.level, e.type, e.message, e.data, e.created_at";
    const string JobCheckpointColumns = "k.id, k.public_id, k.job_id, k.step, k.metrics, k.created_at";

    /// <summary>
    /// The job tables, erased with the rest of a withdrawal or a twin deletion. A property, not a field: other parts'
    /// static fields use it, and the order in which partial files' fields initialise is not defined.
    /// </summary>
    static string[] JobTables => ["fine_tuning_jobs", "fine_tuning_job_events", "fine_tuning_job_checkpoints"];

    public FineTuningJob CreateJob(NewFineTuningJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Names.RequireIdentifier(job.PublicId, "job id");
        Names.RequireName(job.Model, "job model");
        Names.RequireName(job.TrainingFile, "training file");
        if (job.ValidationFile is not null) Names.RequireName(job.ValidationFile, "validation file");
        Names.RequireJsonObject(job.SettingsJson, "job settings");
        try
        {
            return Write(s =>
            {
                var creatorId = s.ScalarInt64(
                    "SELECT t.creator_id FROM twin_versions v JOIN twins t ON t.id = v.twin_id WHERE v.id = @version AND v.status <> 'deleted'",
                    ("version", job.VersionId)) ?? throw new UnknownEntityException("version", $"with id {job.VersionId}");
                // The creator's row, shared: a withdrawal (which locks it for update) runs wholly before or after this,
                // so it either finds this job to delete with the version or has deleted the version already.
                if (FindOrganisationCreator(s, job.OrganisationId, creatorId, dialect.ForShareOf("c")) is null)
                    throw new UnknownEntityException("version", $"with id {job.VersionId} in this organisation");
                if (s.Scalar("SELECT 1 FROM twin_versions v WHERE v.id = @version AND v.status <> 'deleted'", ("version", job.VersionId)) is null)
                    throw new UnknownEntityException("version", $"with id {job.VersionId}");
                var id = s.InsertReturningId(
                    """
                    INSERT INTO fine_tuning_jobs (public_id, organisation_id, creator_id, version_id, model, training_file, validation_file, suffix, seed,
                                                  settings, status, attempts, created_at)
                    VALUES (@public, @organisation, @creator, @version, @model, @training, @validation, @suffix, @seed, @settings, @status, 0, @at)
                    RETURNING id
                    """,
                    ("public", job.PublicId), ("organisation", job.OrganisationId), ("creator", creatorId), ("version", job.VersionId), ("model", job.Model),
                    ("training", job.TrainingFile), ("validation", job.ValidationFile), ("suffix", job.Suffix), ("seed", job.Seed),
                    ("settings", job.SettingsJson), ("status", FineTuningJobStatus.ValidatingFiles), ("at", s.Time(Now())));
                return RequireJob(s, id);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("job", $"with id '{job.PublicId}'", e);
        }
    }

    public FineTuningJob? FindJob(long organisationId, string publicId) =>
        Read(s => s.QuerySingle($"SELECT {JobColumns} FROM fine_tuning_jobs j WHERE j.organisation_id = @organisation AND j.public_id = @public",
            r => ReadJob(s, r), ("organisation", organisationId), ("public", publicId)));

    public FineTuningJob? FindJob(long jobId) => Read(s => FindJob(s, jobId));

    public IReadOnlyList<FineTuningJob> ListJobs(long organisationId, string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Read(s => after is null
            ? s.Query($"SELECT {JobColumns} FROM fine_tuning_jobs j WHERE j.organisation_id = @organisation ORDER BY j.id DESC LIMIT @limit",
                r => ReadJob(s, r), ("organisation", organisationId), ("limit", (long)limit))
            : s.Query($"SELECT {JobColumns} FROM fine_tuning_jobs j WHERE j.organisation_id = @organisation AND j.id < @cursor ORDER BY j.id DESC LIMIT @limit",
                r => ReadJob(s, r), ("organisation", organisationId), ("limit", (long)limit),
                ("cursor", Cursor(s, "fine-tuning job", after,
                    "SELECT a.id FROM fine_tuning_jobs a WHERE a.organisation_id = @organisation AND a.public_id = @after", ("organisation", organisationId)))));
    }

    public FineTuningJob? ChangeJobStatus(long jobId, IReadOnlyCollection<string> from, string to, FineTuningJobOutcome? outcome = null)
    {
        if (!FineTuningJobStatus.All.Contains(to)) throw new InvalidValueException($"'{to}' is not a job status");
        if (from.Count == 0 || from.Any(status => !FineTuningJobStatus.All.Contains(status)))
            throw new InvalidValueException($"'{string.Join(", ", from)}' are not job statuses");
        if (outcome?.Error is { } error)
        {
            Names.RequireIdentifier(error.Code, "error code");
            Names.RequireText(error.Message, "error message");
        }
        return Write(s =>
        {
            var (fromList, fromParameters) = InList("from", from.ToList());
            var finished = FineTuningJobStatus.IsFinished(to);
            var now = s.Time(Now());
            s.Execute(
                $"""
                UPDATE fine_tuning_jobs SET status = @to,
                    attempts = attempts + @attempt,
                    started_at = CASE WHEN @attempt = 1 AND started_at IS NULL THEN @at ELSE started_at END,
                    finished_at = CASE WHEN @finished = 1 THEN @at ELSE finished_at END,
                    error_code = @code, error_message = @message, error_param = @param,
                    fine_tuned_model = COALESCE(@model, fine_tuned_model), trained_tokens = COALESCE(@tokens, trained_tokens)
                WHERE id = @id AND status IN ({fromList})
                """,
                [("to", to), ("attempt", to == FineTuningJobStatus.Running ? 1L : 0L), ("finished", finished ? 1L : 0L), ("at", now),
                    ("code", outcome?.Error?.Code), ("message", outcome?.Error?.Message), ("param", outcome?.Error?.Param),
                    ("model", outcome?.FineTunedModel), ("tokens", outcome?.TrainedTokens), ("id", jobId), .. fromParameters]);
            return FindJob(s, jobId);
        });
    }

    public FineTuningJob? RequestJobCancel(long organisationId, string publicId) => Write(s =>
    {
        s.Execute(
            """
            UPDATE fine_tuning_jobs SET cancel_requested_at = @at
            WHERE organisation_id = @organisation AND public_id = @public AND cancel_requested_at IS NULL
              AND status IN ('validating_files', 'queued', 'running')
            """,
            ("at", s.Time(Now())), ("organisation", organisationId), ("public", publicId));
        return s.QuerySingle($"SELECT {JobColumns} FROM fine_tuning_jobs j WHERE j.organisation_id = @organisation AND j.public_id = @public",
            r => ReadJob(s, r), ("organisation", organisationId), ("public", publicId));
    });

    public void SetJobTrainedTokens(long jobId, long trainedTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainedTokens);
        Write(s => s.Execute("UPDATE fine_tuning_jobs SET trained_tokens = @tokens WHERE id = @id", ("tokens", trainedTokens), ("id", jobId)));
    }

    public FineTuningJobEvent? AddJobEvent(long jobId, NewFineTuningJobEvent jobEvent)
    {
        ArgumentNullException.ThrowIfNull(jobEvent);
        Names.RequireIdentifier(jobEvent.PublicId, "event id");
        Names.RequireIdentifier(jobEvent.Level, "event level");
        Names.RequireIdentifier(jobEvent.Type, "event type");
        Names.RequireText(jobEvent.Message, "event message");
        if (jobEvent.DataJson is not null) Names.RequireJsonObject(jobEvent.DataJson, "event data");
        return Write(s =>
        {
            // Locked, shared: a withdrawal deleting the job meanwhile runs before (and this adds nothing) or after.
            if (s.Scalar($"SELECT j.id FROM fine_tuning_jobs j WHERE j.id = @id{dialect.ForShareOf("j")}", ("id", jobId)) is null) return null;
            var now = Now();
            var id = s.InsertReturningId(
                "INSERT INTO fine_tuning_job_events (public_id, job_id, level, type, message, data, created_at) VALUES (@public, @job, @level, @type, @message, @data, @at) RETURNING id",
                ("public", jobEvent.PublicId), ("job", jobId), ("level", jobEvent.Level), ("type", jobEvent.Type), ("message", jobEvent.Message),
                ("data", jobEvent.DataJson), ("at", s.Time(now)));
            return new FineTuningJobEvent(id, jobEvent.PublicId, jobId, jobEvent.Level, jobEvent.Type, jobEvent.Message, jobEvent.DataJson, now);
        });
    }

    public IReadOnlyList<FineTuningJobEvent> ListJobEvents(long organisationId, long jobId, string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        const string OfTheJob = "FROM fine_tuning_job_events e JOIN fine_tuning_jobs j ON j.id = e.job_id WHERE j.organisation_id = @organisation AND e.job_id = @job";
        return Read(s => after is null
            ? s.Query($"SELECT {JobEventColumns} {OfTheJob} ORDER BY e.id DESC LIMIT @limit", ReadJobEvent,
                ("organisation", organisationId), ("job", jobId), ("limit", (long)limit))
            : s.Query($"SELECT {JobEventColumns} {OfTheJob} AND e.id < @cursor ORDER BY e.id DESC LIMIT @limit",
                ReadJobEvent, ("organisation", organisationId), ("job", jobId), ("limit", (long)limit),
                ("cursor", Cursor(s, "event of this job", after, "SELECT a.id FROM fine_tuning_job_events a WHERE a.job_id = @job AND a.public_id = @after", ("job", jobId)))));
    }

    public IReadOnlyList<FineTuningJobEvent> ListJobEventsSince(long organisationId, long jobId, long afterEventId) => Read(s => s.Query(
        $"SELECT {JobEventColumns} FROM fine_tuning_job_events e JOIN fine_tuning_jobs j ON j.id = e.job_id " +
        "WHERE j.organisation_id = @organisation AND e.job_id = @job AND e.id > @after ORDER BY e.id",
        ReadJobEvent, ("organisation", organisationId), ("job", jobId), ("after", afterEventId)));

    public FineTuningJobCheckpoint? AddJobCheckpoint(long jobId, NewFineTuningJobCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Names.RequireIdentifier(checkpoint.PublicId, "checkpoint id");
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.Step);
        Names.RequireJsonObject(checkpoint.MetricsJson, "checkpoint metrics");
        return Write(s =>
        {
            if (s.Scalar($"SELECT j.id FROM fine_tuning_jobs j WHERE j.id = @id{dialect.ForShareOf("j")}", ("id", jobId)) is null) return null;
            var now = Now();
            var id = s.InsertReturningId(
                "INSERT INTO fine_tuning_job_checkpoints (public_id, job_id, step, metrics, created_at) VALUES (@public, @job, @step, @metrics, @at) RETURNING id",
                ("public", checkpoint.PublicId), ("job", jobId), ("step", (long)checkpoint.Step), ("metrics", checkpoint.MetricsJson), ("at", s.Time(now)));
            return new FineTuningJobCheckpoint(id, checkpoint.PublicId, jobId, checkpoint.Step, checkpoint.MetricsJson, now);
        });
    }

    public IReadOnlyList<FineTuningJobCheckpoint> ListJobCheckpoints(long organisationId, long jobId, string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        const string OfTheJob = "FROM fine_tuning_job_checkpoints k JOIN fine_tuning_jobs j ON j.id = k.job_id WHERE j.organisation_id = @organisation AND k.job_id = @job";
        return Read(s => after is null
            ? s.Query($"SELECT {JobCheckpointColumns} {OfTheJob} ORDER BY k.id DESC LIMIT @limit", ReadJobCheckpoint,
                ("organisation", organisationId), ("job", jobId), ("limit", (long)limit))
            : s.Query($"SELECT {JobCheckpointColumns} {OfTheJob} AND k.id < @cursor ORDER BY k.id DESC LIMIT @limit",
                ReadJobCheckpoint, ("organisation", organisationId), ("job", jobId), ("limit", (long)limit),
                ("cursor", Cursor(s, "checkpoint of this job", after, "SELECT a.id FROM fine_tuning_job_checkpoints a WHERE a.job_id = @job AND a.public_id = @after", ("job", jobId)))));
    }

    /// <summary>
    /// The row id a page's <c>after</c> names, found by <paramref name="sql"/> among the list's own rows: a cursor that
    /// names none (never one of them, or deleted since) is unknown, not the end of the list, which an empty page would
    /// wrongly say.
    /// </summary>
    static long Cursor(SqlSession s, string entity, string after, string sql, (string Name, object? Value) scope) =>
        s.ScalarInt64(sql, ("after", after), scope) ?? throw new UnknownEntityException(entity, $"with id '{after}'");

    public IReadOnlyDictionary<string, int> CountJobsByStatus()
    {
        var counts = Read(s => s.Query("SELECT status, COUNT(*) FROM fine_tuning_jobs GROUP BY status", r => (Status: r.GetString(0), Count: (int)r.Int64(1))));
        return FineTuningJobStatus.All.ToDictionary(status => status, status => counts.FirstOrDefault(c => c.Status == status).Count);
    }

    /// <summary>Deletes the jobs of these versions with their events and checkpoints (a withdrawal's or a twin deletion's part).</summary>
    static int DeleteJobsOfVersions(SqlSession s, string versionList, (string Name, object? Value)[] versionParameters)
    {
        const string Jobs = "SELECT j.id FROM fine_tuning_jobs j WHERE j.version_id IN ({0})";
        s.Execute($"DELETE FROM fine_tuning_job_events WHERE job_id IN ({string.Format(Jobs, versionList)})", versionParameters);
        s.Execute($"DELETE FROM fine_tuning_job_checkpoints WHERE job_id IN ({string.Format(Jobs, versionList)})", versionParameters);
        return s.Execute($"DELETE FROM fine_tuning_jobs WHERE version_id IN ({versionList})", versionParameters);
    }

    static FineTuningJob? FindJob(SqlSession s, long jobId) =>
        s.QuerySingle($"SELECT {JobColumns} FROM fine_tuning_jobs j WHERE j.id = @id", r => ReadJob(s, r), ("id", jobId));

    static FineTuningJob RequireJob(SqlSession s, long jobId) => FindJob(s, jobId) ?? throw new UnknownEntityException("job", $"with id {jobId}");

    static FineTuningJob ReadJob(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.Int64(2), r.Int64(3), r.Int64(4), r.GetString(5), r.GetString(6), r.OptionalString(7), r.OptionalString(8),
        r.Int64(9), r.GetString(10), r.GetString(11),
        r.OptionalString(12) is { } code ? new FineTuningJobError(code, r.GetString(13), r.OptionalString(14)) : null,
        r.OptionalString(15), r.OptionalInt64(16), s.ReadOptionalTime(r, 17), (int)r.Int64(18), s.ReadTime(r, 19), s.ReadOptionalTime(r, 20),
        s.ReadOptionalTime(r, 21));

    FineTuningJobEvent ReadJobEvent(DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.Int64(2), r.GetString(3), r.GetString(4), r.GetString(5), r.OptionalString(6), dialect.ReadTimestamp(r, 7));

    FineTuningJobCheckpoint ReadJobCheckpoint(DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.Int64(2), (int)r.Int64(3), r.GetString(4), dialect.ReadTimestamp(r, 5));
}
