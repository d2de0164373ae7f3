using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Registry.Records;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Provenance;

// The provenance API's shapes (Twinforge's own; snake_case from the JSON options).

/// <summary>
/// <c>GET /v1/provenance/{id}</c>: the signed record as it was sent, whether its twin has been erased since
/// (<c>erased_at</c>), and the prompt and text when the organisation keeps them (null otherwise, and once erased).
/// </summary>
public sealed record ProvenanceObject(string Id, string Object, JsonElement Record, long? ErasedAt, JsonElement? Prompt, string? Text)
{
    public static ProvenanceObject From(CompletionProvenance stored)
    {
        using var record = JsonDocument.Parse(stored.SignedRecord);
        JsonElement? prompt = null;
        if (stored.PromptJson is { } promptJson)
        {
            using var parsed = JsonDocument.Parse(promptJson);
            prompt = parsed.RootElement.Clone();
        }
        return new ProvenanceObject(stored.PublicId, "twinforge.provenance", record.RootElement.Clone(), stored.ErasedAt?.ToUnixTimeSeconds(), prompt,
            stored.CompletionText);
    }
}

/// <summary><c>GET /v1/provenance/public_key</c>: the key that verifies the records, as PEM and as a JWK, with its id.</summary>
public sealed record ProvenancePublicKeyObject(string Object, string KeyId, string Algorithm, string Pem, JsonObject Jwk)
{
    public static ProvenancePublicKeyObject From(ProvenancePublicKey key) =>
        new("twinforge.provenance.public_key", key.KeyId, "ES256", key.Pem, key.Jwk());
}
