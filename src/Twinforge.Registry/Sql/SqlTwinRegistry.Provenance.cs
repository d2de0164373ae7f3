using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Completions' provenance records and the organisation's choices to keep their content and to watermark them. A
// record outlives the twin it names: a withdrawal (SqlTwinRegistry.ConsentWithdrawal.cs) or a twin deletion
// (SqlTwinRegistry.TwinDeletion.cs) marks it erased and drops the prompt and text it kept, in the same transaction, and
// the erasure that follows rewrites the table's storage. Reads name the organisation in their WHERE clause.
internal sealed partial class SqlTwinRegistry
{
    const string ProvenanceColumns =
        "p.id, p.public_id, p.organisation_id, p.completion_id, p.model, p.twin_id, p.version_id, p.twin_name, p.version_number, p.adapter_hash, " +
        "p.base_model_hash, p.sampling, p.prompt_tokens, p.completion_tokens, p.watermark_key_id, p.key_id, p.record, p.prompt, p.completion_text, " +
        "p.created_at, p.erased_at";

    public Organisation? SetRecordCompletionContent(long organisationId, bool record) => SetOrganisationSetting(organisationId, "record_completion_content", record);

    public Organisation? SetWatermarkCompletions(long organisationId, bool watermark) => SetOrganisationSetting(organisationId, "watermark_completions", watermark);

    /// <summary>One of an organisation's on/off settings; <paramref name="column"/> is one of the names above, never a caller's words.</summary>
    Organisation? SetOrganisationSetting(long organisationId, string column, bool on) => Write(s =>
    {
        s.Execute($"UPDATE organisations SET {column} = @on WHERE id = @id", ("on", on ? 1L : 0L), ("id", organisationId));
        return FindOrganisation(s, organisationId);
    });

    public CompletionProvenance RecordProvenance(NewCompletionProvenance record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Names.RequireIdentifier(record.PublicId, "provenance id");
        Names.RequireName(record.CompletionId, "completion id");
        Names.RequireName(record.Model, "model");
        Names.RequireJsonObject(record.SamplingJson, "sampling settings");
        Names.RequireJsonObject(record.SignedRecord, "signed record");
        Names.RequireName(record.KeyId, "signing key id");
        ArgumentOutOfRangeException.ThrowIfNegative(record.PromptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(record.CompletionTokens);
        try
        {
            return Write(s =>
            {
                RequireOrganisation(s, record.OrganisationId);
                var (twinId, versionId, live) = record.VersionId is { } version ? AnsweringVersion(s, record.OrganisationId, version) : (null, null, true);
                // Erased between the answer and this record (a withdrawal or deletion ordered before it): the record is
                // kept, marked as those are, without the content derived from what was erased.
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO completion_provenance (public_id, organisation_id, completion_id, model, twin_id, version_id, twin_name, version_number,
                        adapter_hash, base_model_hash, sampling, prompt_tokens, completion_tokens, watermark_key_id, key_id, record, prompt, completion_text,
                        created_at, erased_at)
                    VALUES (@public, @organisation, @completion, @model, @twin, @version, @twinName, @number, @adapter, @base, @sampling, @promptTokens,
                        @completionTokens, @watermark, @key, @record, @prompt, @text, @at, @erased)
                    RETURNING id
                    """,
                    ("public", record.PublicId), ("organisation", record.OrganisationId), ("completion", record.CompletionId), ("model", record.Model),
                    ("twin", twinId), ("version", versionId), ("twinName", record.TwinName), ("number", (long?)record.VersionNumber),
                    ("adapter", record.AdapterHash), ("base", record.BaseModelHash), ("sampling", record.SamplingJson),
                    ("promptTokens", (long)record.PromptTokens), ("completionTokens", (long)record.CompletionTokens), ("watermark", record.WatermarkKeyId),
                    ("key", record.KeyId), ("record", record.SignedRecord), ("prompt", live ? record.PromptJson : null),
                    ("text", live ? record.CompletionText : null), ("at", s.Time(Microseconds(record.CreatedAt))), ("erased", live ? null : s.Time(now)));
                return s.QuerySingle($"SELECT {ProvenanceColumns} FROM completion_provenance p WHERE p.id = @id", r => ReadProvenance(s, r), ("id", id))!;
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("provenance record", $"with id '{record.PublicId}'", e);
        }
    }

    /// <summary>
    /// The answering version's twin and whether it is still live, with its creator's and twin's rows share-locked so that a
    /// withdrawal (which locks the creator) or a twin deletion (which locks the twin) runs wholly before or after the
    /// record. A version of another organisation's creator is refused; one deleted with its twin leaves no ids.
    /// </summary>
    (long? TwinId, long? VersionId, bool Live) AnsweringVersion(SqlSession s, long organisationId, long versionId)
    {
        var owner = s.QuerySingle("SELECT t.id, t.creator_id FROM twin_versions v JOIN twins t ON t.id = v.twin_id WHERE v.id = @version",
            r => new[] { r.Int64(0), r.Int64(1) }, ("version", versionId));
        if (owner is not [var twinId, var creatorId]) return (null, null, false);
        if (FindOrganisationCreator(s, organisationId, creatorId, dialect.ForShareOf("c")) is null)
            throw new UnknownEntityException("version", $"with id {versionId} in this organisation");
        if (s.Scalar($"SELECT t.id FROM twins t WHERE t.id = @twin{dialect.ForShareOf("t")}", ("twin", twinId)) is null) return (null, null, false);
        var status = s.Scalar("SELECT v.status FROM twin_versions v WHERE v.id = @version", ("version", versionId)) as string;
        return status is null ? (null, null, false) : (twinId, versionId, status != "deleted");
    }

    public CompletionProvenance? FindProvenance(long organisationId, string publicId) =>
        Read(s => s.QuerySingle($"SELECT {ProvenanceColumns} FROM completion_provenance p WHERE p.organisation_id = @organisation AND p.public_id = @public",
            r => ReadProvenance(s, r), ("organisation", organisationId), ("public", publicId)));

    /// <summary>
    /// Marks the provenance records of erased versions (those <paramref name="where"/> selects, a condition on
    /// <c>completion_provenance</c>) and drops their prompt and text: the text is derived from the twin, and a prompt
    /// carries the conversation's earlier turns, the twin's answers among them. With <paramref name="forgetIds"/> (the
    /// twin itself is deleted) the references to its rows go too.
    /// </summary>
    static void MarkProvenanceErased(SqlSession s, DateTimeOffset at, bool forgetIds, string where, params (string Name, object? Value)[] parameters) =>
        s.Execute(
            $"""
            UPDATE completion_provenance SET erased_at = COALESCE(erased_at, @erasedAt), prompt = NULL, completion_text = NULL
            {(forgetIds ? ", twin_id = NULL, version_id = NULL" : "")}
            WHERE {where}
            """,
            [("erasedAt", s.Time(at)), .. parameters]);

    static CompletionProvenance ReadProvenance(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.Int64(2), r.GetString(3), r.GetString(4), r.OptionalInt64(5), r.OptionalInt64(6), r.OptionalString(7),
        r.OptionalInt64(8) is { } number ? (int)number : null, r.OptionalString(9), r.OptionalString(10), r.GetString(11), (int)r.Int64(12),
        (int)r.Int64(13), r.OptionalString(14), r.GetString(15), r.GetString(16), r.OptionalString(17), r.OptionalString(18), s.ReadTime(r, 19),
        s.ReadOptionalTime(r, 20));
}
