using System.Text.Json;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// A file that holds a signed record, in any shape the service gives one: the record itself, a chat or text completion
/// or a stream's last chunk (<c>twinforge.provenance</c>), or <c>GET /v1/provenance/{id}</c>'s answer (<c>record</c>, with
/// the stored <c>prompt</c> and <c>text</c> when the organisation keeps them). What came with the record is checked
/// against its hashes.
/// </summary>
public sealed record ProvenanceDocument(JsonElement SignedRecord, string? PromptJson, string? Text)
{
    /// <exception cref="ProvenanceFormatException">The JSON holds no record in any of those places.</exception>
    public static ProvenanceDocument Read(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object) throw new ProvenanceFormatException("record", "the document must be a JSON object");
        if (document.TryGetProperty("twinforge", out var extension) && extension.ValueKind == JsonValueKind.Object
            && extension.TryGetProperty("provenance", out var carried))
            return new ProvenanceDocument(carried, null, AnswerText(document));
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
        return verdict;
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
