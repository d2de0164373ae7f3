using System.Globalization;
using Hangfire;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;
using Twinforge.Twins;

namespace Twinforge.Service.Jobs;

/// <summary>
/// The body of a fine-tuning job, run by a Hangfire worker: idempotent and resumable. It trains the job's planned version
/// with <see cref="TwinLifecycle.TrainPlanned"/> in the shared work directory, so a second run — after a worker was killed
/// (Hangfire re-queues the job once its invisibility timeout passes) or stopped — resumes from the last checkpoint to the
/// same adapter bytes. It records the job's state and events in the registry as it goes; stops within seconds when the job
/// is cancelled (a flag checked after each update and on a timer), keeping the checkpoint; and when its worker stops,
/// checkpoints and throws the shutdown's cancellation, which makes Hangfire re-queue the job rather than fail it.
/// </summary>
public sealed class FineTuningJobRunner(ServiceStorage storage, JobMetrics metrics, Microsoft.Extensions.Options.IOptions<ServiceOptions> options,
    ILogger<FineTuningJobRunner> logger)
{
    /// <param name="jobId">The registry's id of the job.</param>
    /// <param name="jobPublicId">Its public id, for logs and Hangfire's dashboard.</param>
    /// <param name="shutdown">Hangfire's: cancelled when this worker stops (or the Hangfire job is deleted).</param>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("fine-tuning job {1}")]
    public void Run(long jobId, string jobPublicId, CancellationToken shutdown)
    {
        using var scope = JobEvents.Scope(logger, jobPublicId);
        var registry = storage.Registry;
        var lifecycle = storage.Lifecycle($"job:{jobPublicId}");
        var job = registry.FindJob(jobId);
        if (job is null)
        {
            logger.LogInformation("job {JobId} was erased before it ran", jobPublicId);
            lifecycle.DeleteErasedWork();
            return;
        }
        if (job.IsFinished) return; // cancelled while queued, or run already (a job is run at least once)
        var events = new JobEvents(registry, logger, jobId);
        if (job.CancelRequestedAt is not null)
        {
            // Cancelled while queued, or while its worker was dying: stopped where it is, its checkpoint (if any) kept.
            FinishCancelled(job, lifecycle, events, job.Status == FineTuningJobStatus.Running
                ? "Job cancelled while it waited for another worker; its last checkpoint is kept"
                : "Job cancelled before it started");
            return;
        }
        var started = registry.ChangeJobStatus(jobId, [FineTuningJobStatus.Queued, FineTuningJobStatus.Running], FineTuningJobStatus.Running);
        if (started is not { Status: FineTuningJobStatus.Running }) return;
        var settings = JobSettings.FromJson(job.SettingsJson);
        events.Info(started.Attempts == 1
            ? $"Fine-tuning job started on {Environment.MachineName} (process {Environment.ProcessId})"
            : $"Fine-tuning job resumed on {Environment.MachineName} (process {Environment.ProcessId}), attempt {started.Attempts}: training continues from its last checkpoint");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var watch = new CancelWatch(registry, jobId, stop);
        using var timer = new Timer(_ => watch.Check(logger), null, options.Value.Jobs.CancelCheck, options.Value.Jobs.CancelCheck);
        var progress = new JobProgress(registry, events, metrics, job, watch, logger);

        VersionOutcome? outcome;
        try
        {
            outcome = lifecycle.TrainPlanned(job.VersionId, settings.PromoteTo, settings.PromotionMargin, progress.OnEvent, stop.Token);
        }
        catch (Exception) when (watch.Erased || registry.FindJob(jobId) is null)
        {
            // Consent withdrawn (or the twin deleted) while it trained: the job and version are gone; so goes their work.
            lifecycle.DeleteErasedWork();
            return;
        }
        catch (Exception e)
        {
            Fail(job, events, e);
            return;
        }
        finally
        {
            timer.Change(Timeout.Infinite, Timeout.Infinite);
        }

        if (outcome is null)
        {
            if (watch.Erased || registry.FindJob(jobId) is null)
            {
                lifecycle.DeleteErasedWork();
                return;
            }
            if (watch.CancelRequested || !shutdown.IsCancellationRequested)
            {
                FinishCancelled(job, lifecycle, events, $"Job cancelled at step {progress.Step}; its last checkpoint is kept");
                return;
            }
            // This worker is stopping: the checkpoint is written; Hangfire re-queues the job for the next worker.
            events.Info($"The worker is stopping: training paused at step {progress.Step} with its checkpoint; the job goes back to the queue");
            registry.SetJobTrainedTokens(jobId, progress.TrainedTokensAtCheckpoint);
            shutdown.ThrowIfCancellationRequested();
        }

        var model = settings.FineTunedModel;
        events.Info($"New fine-tuned model created: {model}", new
        {
            fixed_held_out_loss = outcome!.Metrics.FixedHeldOutLoss,
            new_held_out_loss = outcome.Metrics.NewHeldOutLoss,
            improvement = outcome.Metrics.Improvement,
            best_step = outcome.Metrics.BestStep,
            steps = outcome.Metrics.Steps,
            stopped_early = outcome.Metrics.StoppedEarly,
        });
        if (outcome.PromotedTo is { } alias) events.Info($"Promoted: {settings.Creator}/{settings.Twin}@{alias.Name} now points at version {settings.Version}");
        else if (outcome.PromotionNote is { } note) events.Info(note);
        events.Info("The job has successfully completed");
        registry.ChangeJobStatus(jobId, [FineTuningJobStatus.Running], FineTuningJobStatus.Succeeded,
            new FineTuningJobOutcome(FineTunedModel: model, TrainedTokens: progress.TrainedTokens));
        logger.LogInformation("job {JobId} succeeded: {FineTunedModel}", jobPublicId, model);
    }

    void FinishCancelled(FineTuningJob job, TwinLifecycle lifecycle, JobEvents events, string message)
    {
        try
        {
            lifecycle.Cancel(job.VersionId, $"its fine-tuning job {job.PublicId} was cancelled");
        }
        catch (RegistryException)
        {
            // Already failed (a racing cancel) or erased: nothing left to stop.
        }
        events.Info(message);
        storage.Registry.ChangeJobStatus(job.Id, FineTuningJobStatus.Unfinished, FineTuningJobStatus.Cancelled);
    }

    void Fail(FineTuningJob job, JobEvents events, Exception e)
    {
        var error = e switch
        {
            InputFileException file => new FineTuningJobError("invalid_training_file", $"The job failed due to an invalid training file: {file.Message}", "training_file"),
            TrainingDivergedException diverged => new FineTuningJobError("training_diverged", diverged.Message, null),
            BadInputException bad => new FineTuningJobError("invalid_request", bad.Message, null),
            RegistryException registry => new FineTuningJobError("registry_refused", registry.Message, null),
            _ => new FineTuningJobError("server_error", "The job failed because of an error on the server; its log has the details under this job's id.", null),
        };
        if (error.Code == "server_error") logger.LogError(e, "job {JobId} failed", job.PublicId);
        else logger.LogWarning("job {JobId} failed: {Message}", job.PublicId, e.Message);
        events.Error(error.Message);
        storage.Registry.ChangeJobStatus(job.Id, FineTuningJobStatus.Unfinished, FineTuningJobStatus.Failed, new FineTuningJobOutcome(error));
    }

    /// <summary>Whether the job was cancelled or erased, from the registry; cancels the training when so.</summary>
    sealed class CancelWatch(Registry.ITwinRegistry registry, long jobId, CancellationTokenSource stop)
    {
        long lastCheck;

        public volatile bool CancelRequested;
        public volatile bool Erased;

        public void Check(ILogger logger)
        {
            try
            {
                Interlocked.Exchange(ref lastCheck, Environment.TickCount64);
                var job = registry.FindJob(jobId);
                if (job is null) Erased = true;
                else if (job.CancelRequestedAt is not null) CancelRequested = true;
                if (Erased || CancelRequested) stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile.
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "could not check whether the job was cancelled; will try again");
            }
        }

        /// <summary>After an update: checks unless the timer or an update did within the last fraction of a second.</summary>
        public void CheckAfterStep(ILogger logger)
        {
            if (Environment.TickCount64 - Interlocked.Read(ref lastCheck) >= 200) Check(logger);
        }
    }

    /// <summary>The training's events as the job's events, metrics and checkpoints.</summary>
    sealed class JobProgress(Registry.ITwinRegistry registry, JobEvents events, JobMetrics metrics, FineTuningJob job, CancelWatch watch,
        ILogger logger)
    {
        const long StepEventInterval = 250; // milliseconds

        int totalSteps;
        long lastStepEvent;
        double? lastTrainLoss;
        double? lastValidLoss;
        double? lastValidAccuracy;

        public int Step { get; private set; }

        /// <summary>Tokens trained on so far, counting the attempts before this one up to the checkpoint they resumed from.</summary>
        public long TrainedTokens { get; private set; } = job.TrainedTokens ?? 0;

        public long TrainedTokensAtCheckpoint { get; private set; } = job.TrainedTokens ?? 0;

        public void OnEvent(TrainingEvent trainingEvent)
        {
            try
            {
                Record(trainingEvent);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A lost event or checkpoint record must not fail the training itself: the run's own checkpoint is on disk.
                logger.LogWarning(e, "could not record the training event {Event}", trainingEvent.GetType().Name);
            }
        }

        void Record(TrainingEvent trainingEvent)
        {
            switch (trainingEvent)
            {
                case RunStarted started:
                    totalSteps = started.TotalSteps;
                    Step = started.Step;
                    if (started.ResumedFromStep is int from)
                        events.Info($"Resumed from the checkpoint at step {from} of {started.TotalSteps}", new { step = from, total_steps = started.TotalSteps });
                    else
                        events.Info($"Training {started.TrainableParameters:N0} of {started.TotalParameters:N0} parameters for {started.TotalSteps} steps ({started.Precision})",
                            new { total_steps = started.TotalSteps, trainable_parameters = started.TrainableParameters, train_sequences = started.TrainSequences });
                    break;
                case StepCompleted step:
                    Step = step.Step;
                    lastTrainLoss = step.Loss;
                    TrainedTokens += step.Tokens;
                    metrics.RecordStep(step.Tokens, step.TokensPerSecond);
                    watch.CheckAfterStep(logger);
                    // At most a few a second (and always the first and last): a run of quick updates should not spend
                    // its time writing events; a slow one records every update.
                    if (step.Step != 1 && step.Step != totalSteps && Environment.TickCount64 - lastStepEvent < StepEventInterval) break;
                    lastStepEvent = Environment.TickCount64;
                    events.Metrics(string.Create(CultureInfo.InvariantCulture, $"Step {step.Step}/{totalSteps}: training loss={step.Loss:F4}"), new
                    {
                        step = step.Step, total_steps = totalSteps, train_loss = step.Loss, learning_rate = step.LearningRate,
                        tokens_per_second = Math.Round(step.TokensPerSecond, 1),
                    });
                    break;
                case EvaluationCompleted evaluation:
                    lastValidLoss = evaluation.Loss;
                    lastValidAccuracy = evaluation.TokenAccuracy;
                    events.Metrics(string.Create(CultureInfo.InvariantCulture, $"Step {evaluation.Step}/{totalSteps}: validation loss={evaluation.Loss:F4}"), new
                    {
                        step = evaluation.Step, total_steps = totalSteps, valid_loss = evaluation.Loss, valid_mean_token_accuracy = evaluation.TokenAccuracy,
                        train_loss = evaluation.TrainLoss,
                    });
                    break;
                case CheckpointSaved checkpoint:
                    TrainedTokensAtCheckpoint = TrainedTokens;
                    registry.SetJobTrainedTokens(job.Id, TrainedTokens);
                    registry.AddJobCheckpoint(job.Id, new Registry.Records.NewFineTuningJobCheckpoint(PublicIds.New(PublicIds.JobCheckpoint), checkpoint.Step,
                        System.Text.Json.JsonSerializer.Serialize(new
                        {
                            step = checkpoint.Step, train_loss = lastTrainLoss, valid_loss = lastValidLoss, valid_mean_token_accuracy = lastValidAccuracy,
                        }, JobEvents.Json)));
                    events.Info($"Checkpoint saved at step {checkpoint.Step}", new { step = checkpoint.Step });
                    break;
                case StoppedEarly early:
                    events.Info(string.Create(CultureInfo.InvariantCulture,
                        $"Stopped early at step {early.Step}: validation loss last improved at step {early.BestStep} ({early.BestLoss:F4})"));
                    break;
                case TrainingWarning warning:
                    events.Warn(warning.Message);
                    break;
                case StageStarted stage:
                    events.Info(stage.Description);
                    break;
            }
        }
    }
}
