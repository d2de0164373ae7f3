using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry;

/// <summary>
/// The record of creators, their consent, their data, and every twin version built from it, with lineage, aliases
/// and consent-driven deletion. One interface over two back-ends (SQLite, PostgreSQL); open one with
/// <see cref="TwinRegistry"/>. Every method is a single transaction and safe to call from several threads and
/// processes at once. Errors derive from <see cref="RegistryException"/>; reads of unknown ids throw
/// <see cref="UnknownEntityException"/>.
/// </summary>
/// <example><code>
/// using var registry = TwinRegistry.OpenSqlite("registry.db");
/// var ana = registry.CreateCreator("ana");
/// registry.GiveConsent(ana.Id, ConsentScopes.Text, "signed form 2025-03");
/// </code></example>
public interface ITwinRegistry : IDisposable
{
    /// <summary>The schema version of the database after migrations (the newest this code knows).</summary>
    int SchemaVersion { get; }

    // Creators and consent

    Creator CreateCreator(string name);
    Creator GetCreator(long creatorId);
    Creator GetCreatorByName(string name);
    IReadOnlyList<Creator> ListCreators();

    /// <summary>Records consent for a scope; if a valid record for that exact scope exists, returns it unchanged.</summary>
    ConsentRecord GiveConsent(long creatorId, string scope, string? note = null);
    IReadOnlyList<ConsentRecord> ListConsents(long creatorId);

    /// <summary>Whether the creator has a valid (not withdrawn) consent for <paramref name="scope"/> or for "all".</summary>
    bool HasValidConsent(long creatorId, string scope);

    /// <summary>
    /// Withdraws the creator's consent for <paramref name="scope"/> ("all" withdraws every scope) and, in one
    /// transaction, deletes every dataset of theirs that is no longer covered by a valid consent and every version
    /// built from those datasets directly or through parents, removes aliases pointing at them, marks their completions'
    /// provenance records erased (dropping any stored prompt and text; the records stay), writes an audit record and
    /// journals the artifacts to delete. Then deletes those artifacts from <paramref name="artifacts"/> (unless a
    /// surviving version still uses the same content), marking each journal entry done; if that is interrupted, the
    /// next <see cref="CompletePendingDeletions"/> finishes it. Last, it erases what the deleted rows held from the
    /// database's storage. When the creator holds no valid consent record for the scope and no data lost its consent,
    /// nothing is changed or audited and <see cref="NothingToWithdrawException"/> says so.
    /// </summary>
    ConsentWithdrawal WithdrawConsent(long creatorId, string scope, string reason, string withdrawnBy, IArtifactStore artifacts);

    /// <summary>
    /// Deletes a twin with all its versions, whatever their status, in one transaction: its aliases and their history,
    /// the records of its exports (listed in the audit record as copies outside the store for the operator to delete),
    /// its versions with their dataset and artifact links, and the twin itself, whose name is then free again; its
    /// completions' provenance records stay, marked erased, without stored prompt and text or references to it. Audited
    /// and followed through like <see cref="WithdrawConsent"/>: an audit record, the journalled artifacts deleted from
    /// <paramref name="artifacts"/> (unless a survivor records the same content), the rows' content erased from the
    /// database's storage. The creator's datasets stay: they are governed by consent.
    /// </summary>
    TwinDeletion DeleteTwin(long twinId, string reason, string deletedBy, IArtifactStore artifacts);

    // Datasets and base models

    /// <summary>
    /// Registers a dataset, or returns the creator's existing one with the same content hash. Content another creator
    /// of the same organisation holds (among the command line's creators, another of them) is refused with
    /// <see cref="Errors.DuplicateEntityException"/>; creators of different organisations may hold the same content,
    /// each as a dataset of their own, so that a refusal never tells an organisation what another has registered.
    /// </summary>
    Dataset RegisterDataset(NewDataset dataset);
    Dataset GetDataset(long datasetId);
    Dataset? FindDatasetByHash(long creatorId, string contentHash);
    IReadOnlyList<Dataset> ListDatasets(long? creatorId = null);

    BaseModel CreateBaseModel(NewBaseModel baseModel);
    BaseModel GetBaseModel(long baseModelId);
    BaseModel GetBaseModelByName(string name);
    IReadOnlyList<BaseModel> ListBaseModels();

    // Twins and versions

    Twin CreateTwin(long creatorId, string name);
    Twin GetTwin(long twinId);
    Twin GetTwinByName(long creatorId, string name);
    IReadOnlyList<Twin> ListTwins(long? creatorId = null);

    /// <summary>
    /// Reserves version N+1 of the twin, atomically, as a pending version built from the given parent, base model and
    /// datasets. Refused when a dataset's creator has no valid consent, when the parent is deleted or has not
    /// succeeded, and (with a <see cref="RegistryConflictException"/>) when the twin's latest version is no longer
    /// <see cref="NewTwinVersion.ExpectedLatestVersion"/>.
    /// </summary>
    TwinVersion NextVersion(NewTwinVersion request);
    TwinVersion GetVersion(long versionId);
    TwinVersion GetVersionByNumber(long twinId, int number);

    /// <summary>All versions of a twin by number, including deleted ones (which keep only their identity).</summary>
    IReadOnlyList<TwinVersion> ListVersions(long twinId);

    /// <summary>Moves a version along Pending → Training → Succeeded/Failed.</summary>
    TwinVersion SetVersionStatus(long versionId, VersionStatus status);
    TwinVersion SetVersionMetrics(long versionId, string metricsJson);

    /// <summary>Replaces the version's artifact list; record an artifact only after it is in the store.</summary>
    TwinVersion SetVersionArtifacts(long versionId, IReadOnlyList<ArtifactReference> artifacts);

    // Exports

    /// <summary>
    /// Records that a succeeded version's weights are being copied to <paramref name="path"/>, outside the artifact
    /// store, so that deleting the version later lists the copy for the operator to delete. Record before writing the
    /// copy: a copy must never exist unrecorded. Refused for a deleted version and for one that has not succeeded.
    /// </summary>
    VersionExport RecordExport(long versionId, string path, string exportedBy);

    /// <summary>The recorded exports of live versions (of one twin, or all), oldest first.</summary>
    IReadOnlyList<VersionExport> ListExports(long? twinId = null);

    // Aliases

    /// <summary>
    /// Points an alias at a succeeded version (a pending, training, failed or deleted one is refused). With
    /// <paramref name="expectedRowVersion"/>, the move happens only if the alias is still as the caller saw it
    /// (0 = does not exist yet); otherwise a <see cref="RegistryConflictException"/>.
    /// </summary>
    Alias SetAlias(long twinId, string aliasName, long versionId, string setBy, long? expectedRowVersion = null);
    Alias GetAlias(long twinId, string aliasName);
    IReadOnlyList<Alias> ListAliases(long twinId);

    /// <summary>Moves the alias back to the target it had before its current one (repeatable, like undo).</summary>
    Alias RollbackAlias(long twinId, string aliasName, string rolledBackBy);
    IReadOnlyList<AliasChange> GetAliasHistory(long twinId, string aliasName);

    /// <summary>The live version an alias points at: the only way versions should be served.</summary>
    TwinVersion ResolveAlias(long twinId, string aliasName);

    // Lineage

    /// <summary>Everything the version was built from: base model, datasets, and the same for each ancestor.</summary>
    VersionLineage GetLineage(long versionId);

    /// <summary>Every version built from the dataset, directly or through parents, by id.</summary>
    IReadOnlyList<TwinVersion> VersionsBuiltFromDataset(long datasetId);

    /// <summary>Every version built from any of the creator's datasets, directly or through parents, by id.</summary>
    IReadOnlyList<TwinVersion> VersionsBuiltFromCreator(long creatorId);

    // Organisations, their API keys and creators (the service's tenants). Reads of an organisation's records take the
    // organisation and find nothing of another's: the service answers both "unknown" and "someone else's" alike.

    /// <summary>Records an organisation; <paramref name="publicId"/> (e.g. "org-…") is chosen by the caller and unique.</summary>
    Organisation CreateOrganisation(string publicId, string name);
    Organisation? FindOrganisation(string publicId);
    Organisation? FindOrganisation(long organisationId);

    /// <summary>
    /// Whether the organisation's completions' provenance records keep the prompt and the text (off unless set); null
    /// when it has no such organisation.
    /// </summary>
    Organisation? SetRecordCompletionContent(long organisationId, bool record);

    /// <summary>
    /// Whether the service watermarks the organisation's completions with its key (on unless set off); null when it
    /// has no such organisation.
    /// </summary>
    Organisation? SetWatermarkCompletions(long organisationId, bool watermark);
    IReadOnlyList<Organisation> ListOrganisations();

    /// <summary>
    /// Records an API key by its hash. Refused (<see cref="UnknownEntityException"/>) when the default creator is not one
    /// of the key's organisation.
    /// </summary>
    ApiKey CreateApiKey(NewApiKey key);

    /// <summary>The unrevoked key with this SHA-256 (lowercase hex), or null: how a request's key is checked.</summary>
    ApiKey? FindLiveApiKey(string keyHash);

    /// <summary>The organisation's keys, revoked ones included; with null, the admin keys.</summary>
    IReadOnlyList<ApiKey> ListApiKeys(long? organisationId);

    /// <summary>Revokes the organisation's key (null: an admin key); revoking twice changes nothing. Null when it has no such key.</summary>
    ApiKey? RevokeApiKey(long? organisationId, string publicId);

    /// <summary>
    /// Creates a creator of the organisation, named in the registry by <paramref name="publicId"/> (e.g. "creator-…"),
    /// with the name the organisation gave as <see cref="Creator.DisplayName"/>.
    /// </summary>
    Creator CreateOrganisationCreator(long organisationId, string publicId, string displayName);
    Creator? FindOrganisationCreator(long organisationId, string publicId);
    Creator? FindOrganisationCreator(long organisationId, long creatorId);
    IReadOnlyList<Creator> ListOrganisationCreators(long organisationId);

    // Uploaded files

    /// <summary>
    /// Records an uploaded file as a name of one of the organisation's creators' datasets. Refused
    /// (<see cref="UnknownEntityException"/>) when the dataset is not of one of its creators, or was deleted meanwhile.
    /// </summary>
    UploadedFile RecordFile(NewUploadedFile file);
    UploadedFile? FindFile(long organisationId, string publicId);

    /// <summary>The organisation's files, newest first, optionally of one purpose.</summary>
    IReadOnlyList<UploadedFile> ListFiles(long organisationId, string? purpose = null);

    /// <summary>
    /// Deletes the organisation's file; null when it has no such file. When it was the last file of a dataset that no
    /// version was built from, the dataset goes too, audited, its stored copy deleted from <paramref name="artifacts"/>
    /// and the rows erased like a consent withdrawal's; a dataset a version was built from stays (lineage, rebuilds)
    /// under its creator's consent.
    /// </summary>
    FileDeletion? DeleteFile(long organisationId, string publicId, string deletedBy, IArtifactStore artifacts);

    // Fine-tuning jobs (the service's): their state, events and checkpoints. Reads an organisation makes take it and find
    // nothing of another's; a job goes with its version (consent withdrawn, twin deleted).

    /// <summary>
    /// Records a job, in <see cref="FineTuningJobStatus.ValidatingFiles"/>, for a planned version of one of the
    /// organisation's creators (<see cref="UnknownEntityException"/> otherwise, or when the version was deleted meanwhile).
    /// </summary>
    FineTuningJob CreateJob(NewFineTuningJob job);
    FineTuningJob? FindJob(long organisationId, string publicId);

    /// <summary>A job by its id, whatever its organisation (for the workers that run it); null when it was erased.</summary>
    FineTuningJob? FindJob(long jobId);

    /// <summary>
    /// The organisation's jobs, newest first, those created before <paramref name="after"/> (a job's public id) when
    /// given; at most <paramref name="limit"/>. An <paramref name="after"/> that is none of the organisation's jobs is
    /// an <see cref="UnknownEntityException"/> (as for the events' and checkpoints' pages).
    /// </summary>
    IReadOnlyList<FineTuningJob> ListJobs(long organisationId, string? after, int limit);

    /// <summary>
    /// Moves the job to <paramref name="to"/> if, and only if, it is in one of <paramref name="from"/> (one conditional
    /// update: of two processes racing, one wins); entering running counts an attempt, a finished status records the
    /// time and <paramref name="outcome"/>. Returns the job as it is afterwards (check its status to know whether this
    /// moved it), or null when it no longer exists.
    /// </summary>
    FineTuningJob? ChangeJobStatus(long jobId, IReadOnlyCollection<string> from, string to, FineTuningJobOutcome? outcome = null);

    /// <summary>Marks the organisation's unfinished job for cancelling (its worker stops it); returns the job, or null when it has no such job.</summary>
    FineTuningJob? RequestJobCancel(long organisationId, string publicId);

    void SetJobTrainedTokens(long jobId, long trainedTokens);

    /// <summary>Records an event of the job; null when the job no longer exists.</summary>
    FineTuningJobEvent? AddJobEvent(long jobId, NewFineTuningJobEvent jobEvent);

    /// <summary>The job's events, newest first (those before the event <paramref name="after"/> when given); none for another organisation's job.</summary>
    IReadOnlyList<FineTuningJobEvent> ListJobEvents(long organisationId, long jobId, string? after, int limit);

    /// <summary>The job's events after the one with id <paramref name="afterEventId"/>, oldest first (to follow a job live).</summary>
    IReadOnlyList<FineTuningJobEvent> ListJobEventsSince(long organisationId, long jobId, long afterEventId);

    /// <summary>Records a checkpoint of the job; null when the job no longer exists.</summary>
    FineTuningJobCheckpoint? AddJobCheckpoint(long jobId, NewFineTuningJobCheckpoint checkpoint);

    /// <summary>The job's checkpoints, newest first (those before <paramref name="after"/> when given); none for another organisation's job.</summary>
    IReadOnlyList<FineTuningJobCheckpoint> ListJobCheckpoints(long organisationId, long jobId, string? after, int limit);

    /// <summary>How many jobs are in each status, across organisations (for metrics); every status present.</summary>
    IReadOnlyDictionary<string, int> CountJobsByStatus();

    // Provenance of completions (the service's): one signed record per completion, kept when the twin is erased.

    /// <summary>
    /// Stores a completion's signed provenance record. Refused (<see cref="UnknownEntityException"/>) when the answering
    /// version is not of one of the organisation's creators. A version erased meanwhile (consent withdrawn, twin deleted)
    /// does not refuse it: the record is stored marked erased, without the prompt and text.
    /// </summary>
    CompletionProvenance RecordProvenance(NewCompletionProvenance record);

    /// <summary>The organisation's record with this public id ("prov-…"), erased or not; null for another's or an unknown one.</summary>
    CompletionProvenance? FindProvenance(long organisationId, string publicId);

    /// <summary>Runs a trivial query: throws when the database cannot be reached (a readiness check).</summary>
    void CheckConnection();

    // Deletion and artifacts

    IReadOnlyList<AuditRecord> ListAuditRecords();
    IReadOnlyList<DeletionJournalEntry> ListDeletionJournal(bool pendingOnly = false);

    /// <summary>Finishes journalled artifact deletions left by an interrupted withdrawal; safe to run at any time.</summary>
    PendingDeletionReport CompletePendingDeletions(IArtifactStore artifacts);

    /// <summary>Whether a live version or a dataset records this artifact hash; only such artifacts are ever served.</summary>
    bool IsArtifactRecorded(string contentHash);

    /// <summary>Every artifact hash recorded by a live version or a dataset (what garbage collection keeps).</summary>
    IReadOnlySet<string> ListRecordedArtifactHashes();
}
