namespace Twinforge.Registry.Records;

/// <summary>
/// The stored provenance of one completion: the signed record exactly as the service sent it
/// (<see cref="SignedRecord"/>, canonical JSON with its signature), the columns that repeat it for queries, and, when the
/// organisation opted in, the prompt and the text. A withdrawal of the creator's consent or the twin's deletion keeps
/// the record and marks it (<see cref="ErasedAt"/>): the prompt and text go, and a deleted twin's ids are cleared
/// (its name and version number stay, as in the audit record).
/// </summary>
/// <param name="PublicId">"prov-…", the service's id of the record.</param>
/// <param name="CompletionId">The completion's id ("chatcmpl-…" for a chat completion, "cmpl-…" for a text completion).</param>
/// <param name="Model">The model that answered, as the response named it.</param>
/// <param name="SamplingJson">The sampling settings as the signed record has them (a JSON object).</param>
/// <param name="KeyId">The signing key's id.</param>
/// <param name="PromptJson">The prompt: a chat completion's messages (a JSON array), a text completion's text (a JSON string); only when the organisation opted in and not erased.</param>
/// <param name="CompletionText">The generated text, under the same conditions.</param>
public sealed record CompletionProvenance(
    long Id,
    string PublicId,
    long OrganisationId,
    string CompletionId,
    string Model,
    long? TwinId,
    long? VersionId,
    string? TwinName,
    int? VersionNumber,
    string? AdapterHash,
    string? BaseModelHash,
    string SamplingJson,
    int PromptTokens,
    int CompletionTokens,
    string? WatermarkKeyId,
    string KeyId,
    string SignedRecord,
    string? PromptJson,
    string? CompletionText,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ErasedAt)
{
    public bool IsErased => ErasedAt is not null;
}

/// <summary>
/// What the service supplies to store a completion's provenance. <see cref="PromptJson"/> and
/// <see cref="CompletionText"/> are given only when the organisation opted in; the registry drops them anyway when the
/// version was erased meanwhile. <see cref="VersionId"/> is null for a base model's completion.
/// </summary>
public sealed record NewCompletionProvenance(
    string PublicId,
    long OrganisationId,
    string CompletionId,
    string Model,
    long? VersionId,
    string? TwinName,
    int? VersionNumber,
    string? AdapterHash,
    string? BaseModelHash,
    string SamplingJson,
    int PromptTokens,
    int CompletionTokens,
    string? WatermarkKeyId,
    string KeyId,
    string SignedRecord,
    DateTimeOffset CreatedAt)
{
    public string? PromptJson { get; init; }
    public string? CompletionText { get; init; }
}
