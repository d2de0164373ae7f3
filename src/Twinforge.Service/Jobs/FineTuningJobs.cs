using System.Security.Cryptography;
using Hangfire;
using Hangfire.States;
using Twinforge.Engine;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Twins;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Jobs;

/// <summary>
/// Creating and cancelling fine-tuning jobs. A job plans its twin version at once (a new twin on a base model, or the
/// next version of one of the organisation's twins; consent and data checked as the registry checks them), is recorded
/// in <c>validating_files</c>, has its data checked as its training will read it (a bad file fails the job with every
/// problem by line), and is then <c>queued</c> on Hangfire for a worker (<see cref="FineTuningJobRunner"/>).
/// </summary>
public sealed class FineTuningJobs(ServiceStorage storage, IBackgroundJobClient queue, BaseTwinDefaults baseDefaults, ILogger<FineTuningJobs> logger)
{
    const int MaxSuffixLength = 64;

    public FineTuningJob Create(Caller caller, CreateFineTuningJobRequest request)
    {
        var registry = storage.Registry;
        var model = Required(request.Model, "model");
        var trainingFileId = Required(request.TrainingFile, "training_file");
        if (request.Suffix is { } suffix && (suffix.Length is 0 or > MaxSuffixLength || !char.IsAsciiLetterOrDigit(suffix[0])
                || !suffix.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
            throw ApiException.BadRequest($"'suffix' names the new twin: 1 to {MaxSuffixLength} letters, digits, '.', '_' or '-', starting with a letter or digit.",
                "suffix", "invalid_value");
        if (request.Seed is < 0 or > int.MaxValue) throw ApiException.BadRequest($"'seed' is between 0 and {int.MaxValue}.", "seed", "invalid_value");
        CheckMetadata(request.Metadata);
        if (request.Integrations is { ValueKind: System.Text.Json.JsonValueKind.Array } integrations && integrations.GetArrayLength() > 0)
            throw ApiException.BadRequest("Twinforge has no integrations: leave 'integrations' out.", "integrations", "invalid_value");

        var training = File(caller, trainingFileId, "training_file");
        var validation = request.ValidationFile is { } validationId ? File(caller, validationId, "validation_file") : null;
        var extension = JobRequest.ReadExtension(request.Twinforge);
        var hyperparameters = JobRequest.ReadHyperparameters(request);
        var creators = registry.ListOrganisationCreators(caller.OrganisationId);
        var resolved = Resolve(model, creators);
        var creator = creators.Single(c => c.Id == training.CreatorId);
        var lifecycle = storage.Lifecycle(caller.Actor);

        var defaults = baseDefaults.For(resolved.Base);
        TwinRecipe recipe;
        TwinVersion version;
        string twinName;
        int? parentNumber = null;
        if (resolved.Twin is not { } twin)
        {
            if (validation is not null && validation.CreatorId != training.CreatorId)
                throw ApiException.BadRequest($"The validation file {validation.PublicId} is another creator's data than the training file's: a twin is one creator's.",
                    "validation_file", "invalid_value");
            twinName = request.Suffix ?? $"twin-{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8)}";
            recipe = JobRequest.Recipe(defaults, defaults.Training.LearningRate, extension, hyperparameters, request.Seed);
            var heldOut = validation is null ? null : registry.GetDataset(validation.DatasetId);
            var planned = recipe;
            version = Plan(() => lifecycle.PlanTwin(creator.Id, twinName, resolved.Base, registry.GetDataset(training.DatasetId), heldOut, planned), creator, twinName);
        }
        else
        {
            var parent = resolved.Version!;
            twinName = twin.Name;
            if (training.CreatorId != twin.CreatorId)
                throw ApiException.BadRequest($"The training file {training.PublicId} is another creator's data than {resolved.Id}'s: a twin learns from its own creator only.",
                    "training_file", "invalid_value");
            if (validation is not null)
                throw ApiException.BadRequest($"A new version of {twin.Name} is judged on the held-out set its first version fixed: leave 'validation_file' out.",
                    "validation_file", "invalid_value");
            if (request.Suffix is { } named && named != twin.Name)
                throw ApiException.BadRequest($"'suffix' names a new twin; the next version of {twin.Name} keeps its name: leave 'suffix' out.", "suffix", "invalid_value");
            recipe = JobRequest.Recipe(TwinRecipe.FromText(parent.RecipeText).Options, defaults.Training.LearningRate, extension, hyperparameters, request.Seed);
            var planned = recipe;
            version = Plan(() => lifecycle.PlanUpdate(twin.Id, parent.Number, registry.GetDataset(training.DatasetId), new UpdatePolicy { Recipe = planned }),
                creator, twinName);
            parentNumber = parent.Number;
        }

        var organisation = registry.ListOrganisations().Single(o => o.Id == caller.OrganisationId);
        var settings = new JobSettings(organisation.PublicId, creator.Name, twinName, version.Number, parentNumber, JobRequest.Shown(recipe, defaults.Training.LearningRate), request.Metadata,
            extension.PromoteTo, extension.PromotionMargin);
        FineTuningJob job;
        try
        {
            job = registry.CreateJob(new NewFineTuningJob(PublicIds.New(PublicIds.FineTuningJob), caller.OrganisationId, version.Id, model, training.PublicId,
                validation?.PublicId, request.Suffix, recipe.Options.Training.Seed, settings.ToJson()));
        }
        catch (UnknownEntityException)
        {
            throw ApiException.BadRequest($"Creator {creator.Name}'s data was withdrawn meanwhile: nothing is trained on it.", "training_file", "consent_required");
        }

        using var scope = JobEvents.Scope(logger, job.PublicId);
        var events = new JobEvents(registry, logger, job.Id);
        events.Info($"Validating training file: {training.PublicId}" + (validation is null ? "" : $" and validation file: {validation.PublicId}"));
        var check = Check(lifecycle, version);
        if (!check.IsValid)
        {
            // The data is checked in parts (the training part and its held-out share): a problem of the whole file
            // is said once, and the rest in the file's own order.
            static List<string> InFileOrder(IEnumerable<InputFileException> problems) => problems
                .OrderBy(problem => problem.FilePath, StringComparer.Ordinal).ThenBy(problem => problem.Line ?? 0)
                .Select(problem => problem.Message).Distinct().ToList();
            var errors = InFileOrder(check.Errors);
            var message = $"The job failed due to an invalid training file ({errors.Count} {(errors.Count == 1 ? "error" : "errors")}):\n"
                + string.Join("\n", errors.Concat(InFileOrder(check.Warnings)));
            events.Error(message);
            lifecycle.Abandon(version.Id);
            return registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles], FineTuningJobStatus.Failed,
                new FineTuningJobOutcome(new FineTuningJobError("invalid_training_file", message, "training_file")))!;
        }
        foreach (var warning in check.Warnings) events.Warn(warning.Message);
        events.Info("Files validated, moving job to queued state");
        if (registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles], FineTuningJobStatus.Queued) is { Status: FineTuningJobStatus.Queued })
        {
            queue.Create<FineTuningJobRunner>(runner => runner.Run(job.Id, job.PublicId, CancellationToken.None), new EnqueuedState(JobQueue.Name));
            logger.LogInformation("job {JobId} queued: {Model} → {FineTunedModel}", job.PublicId, model, settings.FineTunedModel);
        }
        return registry.FindJob(job.Id) ?? throw ApiException.NotFound("FineTuningJob", job.PublicId);
    }

    /// <summary>
    /// Asks for the job to stop. One that has not started is cancelled at once; a running one is stopped by its worker
    /// within seconds, keeping its last checkpoint. A finished job is refused.
    /// </summary>
    public FineTuningJob Cancel(Caller caller, string jobId)
    {
        var registry = storage.Registry;
        var job = Find(caller, jobId);
        if (job.IsFinished)
            throw ApiException.BadRequest($"Job {job.PublicId} has already {(job.Status == FineTuningJobStatus.Cancelled ? "been cancelled" : job.Status)}: " +
                                          "only an unfinished job can be cancelled.", "fine_tuning_job_id", "job_finished");
        registry.RequestJobCancel(caller.OrganisationId, job.PublicId);
        if (job.Status is FineTuningJobStatus.ValidatingFiles or FineTuningJobStatus.Queued)
        {
            using var scope = JobEvents.Scope(logger, job.PublicId);
            var events = new JobEvents(registry, logger, job.Id);
            if (registry.ChangeJobStatus(job.Id, [FineTuningJobStatus.ValidatingFiles, FineTuningJobStatus.Queued], FineTuningJobStatus.Cancelled)
                is { Status: FineTuningJobStatus.Cancelled })
            {
                try
                {
                    storage.Lifecycle(caller.Actor).Cancel(job.VersionId, $"its fine-tuning job {job.PublicId} was cancelled before it started");
                }
                catch (RegistryException)
                {
                    // Failed by a racing cancel already, or erased: nothing left to stop.
                }
                events.Info("Job cancelled before it started");
            }
        }
        return registry.FindJob(job.Id) ?? throw ApiException.NotFound("FineTuningJob", jobId, "fine_tuning_job_id");
    }

    /// <summary>The organisation's job with this id; an unknown id, a path-like one and another organisation's read alike (404).</summary>
    public FineTuningJob Find(Caller caller, string jobId) =>
        (PublicIds.IsValid(PublicIds.FineTuningJob, jobId) ? storage.Registry.FindJob(caller.OrganisationId, jobId) : null)
        ?? throw ApiException.NotFound("FineTuningJob", jobId, "fine_tuning_job_id");

    UploadedFile File(Caller caller, string fileId, string param) =>
        (PublicIds.IsValid(PublicIds.File, fileId) ? storage.Registry.FindFile(caller.OrganisationId, fileId) : null)
        ?? throw ApiException.NotFound("File", fileId, param);

    ResolvedModel Resolve(string model, IReadOnlyCollection<Creator> creators)
    {
        try
        {
            return new ModelResolver(storage.Registry).Resolve(model, creators);
        }
        catch (UnknownModelException e)
        {
            throw ApiException.BadRequest($"The model '{model}' does not exist or cannot be fine-tuned here: {e.Why}. Name a registered base model or one of your twins "
                + "(twin, twin@version, twin@alias or creator/twin).", "model", "model_not_available");
        }
    }

    /// <summary>The registry's and lifecycle's refusals of a plan, as the caller's errors.</summary>
    static TwinVersion Plan(Func<TwinVersion> plan, Creator creator, string twinName)
    {
        try
        {
            return plan();
        }
        catch (ConsentRequiredException)
        {
            throw ApiException.BadRequest($"Creator {creator.Name} has no valid consent for this data: nothing is trained on it.", "training_file", "consent_required");
        }
        catch (DuplicateEntityException)
        {
            throw ApiException.BadRequest($"Creator {creator.Name} already has a twin '{twinName}' with a succeeded version: fine-tune it with model "
                + $"'{creator.Name}/{twinName}' to train its next version, or choose another suffix.", "suffix", "twin_exists");
        }
        catch (BadInputException e)
        {
            throw ApiException.BadRequest(e.Message, "training_file", "invalid_training_file");
        }
    }

    static DataCheck Check(TwinLifecycle lifecycle, TwinVersion version)
    {
        try
        {
            return lifecycle.CheckPlanned(version.Id);
        }
        catch (BadInputException e)
        {
            return new DataCheck([new InputFileException("the training data", e.Message)], []);
        }
    }

    static void CheckMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return;
        if (metadata.Count > 16) throw ApiException.BadRequest("'metadata' holds at most 16 pairs.", "metadata", "invalid_value");
        foreach (var (key, value) in metadata)
            if (key.Length is 0 or > 64 || value is null || value.Length > 512)
                throw ApiException.BadRequest("'metadata' keys have 1 to 64 characters, values are strings of at most 512.", $"metadata.{key}", "invalid_value");
    }

    static string Required(string? value, string param) =>
        string.IsNullOrWhiteSpace(value) ? throw ApiException.BadRequest($"'{param}' is required.", param, "missing_required_parameter") : value.Trim();
}
