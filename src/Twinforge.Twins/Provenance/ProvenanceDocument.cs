using System.Text.Json;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// A file that holds a signed record, in any shape the service gives one: the record itself, a chat or text completion
/// or a stream's last chunk (<c>twinforge.provenance</c>), or <c>GET /v1/provenance/{id}</c>'s answer (<c>record</c>, with
/// the stored <c>prompt</c> and <c>text</c> when the organisation keeps them). What came with the record is checked
/// against its hashes; a completion's own fields (its <c>model</c>, <c>id</c> and token counts) against the record's, as
/// a reader takes them for what the record signs.
/// </summary>
/// <param name="Completion">The completion or chunk the record came in, or null when it came alone or stored.</param>
public sealed record ProvenanceDocument(JsonElement SignedRecord, string? PromptJson, string? Text, JsonElement? Completion = null)
{
    /// <exception cref="ProvenanceFormatException">The JSON holds no record in any of those places.</exception>
    public static ProvenanceDocument Read(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object) throw new ProvenanceFormatException("record", "the document must be a JSON object");
        if (document.TryGetProperty("twinforge", out var extension) && extension.ValueKind == JsonValueKind.Object
            && extension.TryGetProperty("provenance", out var carried))
            return new ProvenanceDocument(carried, null, AnswerText(document), document);
        if (document.TryGetProperty("record", out var stored))
            return new ProvenanceDocument(stored, Member(document, "prompt") is { } prompt ? CanonicalJson.ToText(prompt) : null,
                Member(document, "text")?.GetString());
        if (document.TryGetProperty("signature", out _)) return new ProvenanceDocument(document, null, null);
        throw new ProvenanceFormatException("record", "not found: give a signed record, a chat completion with twinforge.provenance, or GET /v1/provenance/{id}'s answer");
    }

    /// <summary>Verifies the record with <paramref name="key"/>, then whatever prompt and text came with it against the record's hashes.</summary>
    public ProvenanceVerification Verify(ProvenancePublicKey key)
    {
        var verdict = key.Verify(SignedRecord);
        if (!verdict.IsValid) return verdict;
        var record = verdict.Record!;
        if (PromptJson is not null && ProvenanceRecord.Sha256(PromptJson) != record.PromptSha256)
            return ProvenanceVerification.Failed(record, ProvenanceFailure.ContentMismatch, "the prompt given with the record does not match its prompt_sha256");
        if (Text is not null && ProvenanceRecord.Sha256(Text) != record.TextSha256)
            return ProvenanceVerification.Failed(record, ProvenanceFailure.ContentMismatch, "the text given with the record does not match its text_sha256");
        if (Completion is { } completion && EnvelopeMismatch(completion, record) is { } mismatch)
            return ProvenanceVerification.Failed(record, ProvenanceFailure.ContentMismatch, mismatch);
        return verdict;
    }

    /// <summary>
    /// Where the completion's own fields say other than its signed record: its <c>model</c> and <c>id</c>, and, for a
    /// whole completion of one choice, <c>usage</c>'s token counts (a completion of several choices counts them all).
    /// </summary>
    static string? EnvelopeMismatch(JsonElement completion, ProvenanceRecord record)
    {
        string? Said(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
        if (Said(completion, "model") is { } model && model != record.Model)
            return $"the completion's 'model' is '{model}', but the signed record's is '{record.Model}'";
        if (Said(completion, "id") is { } id && id != record.CompletionId)
            return $"the completion's 'id' is '{id}', but the signed record's completion_id is '{record.CompletionId}'";
        bool oneChoice = completion.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 1;
        if (oneChoice && completion.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            foreach (var (name, signed) in new[] { ("prompt_tokens", record.PromptTokens), ("completion_tokens", record.CompletionTokens) })
                if (usage.TryGetProperty(name, out var count) && (!count.TryGetInt32(out var given) || given != signed))
                    return $"the completion's 'usage.{name}' is {count.GetRawText()}, but the signed record's is {signed}";
        return null;
    }

    static JsonElement? Member(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>
    /// A whole completion's answer: a chat completion's <c>choices[0].message.content</c>, a text completion's
    /// <c>choices[0].text</c>. A stream's chunk carries only a piece (a chat delta; a text chunk, which has no
    /// <c>usage</c> but in the last chunk, and that one no choices), so none.
    /// </summary>
    static string? AnswerText(JsonElement completion)
    {
        if (!completion.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() != 1) return null;
        var choice = choices[0];
        if (choice.TryGetProperty("message", out var message))
            return message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : null;
        var whole = completion.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
        return whole && choice.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
    }
}
