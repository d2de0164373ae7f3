using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Tokenization;
using Twinforge.Twins.Provenance;

namespace Twinforge.Twins.Tests.Provenance;

/// <summary>
/// A signed record verifies with the signer's public key alone (PEM or JWK, as published), and any change — a field,
/// the signature, the key — is refused naming what failed.
/// </summary>
public sealed class ProvenanceSignatureTests : IDisposable
{
    readonly ProvenanceSigner signer = ProvenanceSigner.Create();

    internal static ProvenanceRecord Sample(string keyId, string id = "prov-abc") => new()
    {
        Id = id,
        CompletionId = "chatcmpl-xyz",
        Organization = "org-acme",
        Model = "creator-ana/ana-style@2",
        Creator = "creator-ana",
        Twin = "ana-style",
        TwinVersion = 2,
        AdapterSha256 = new string('a', 64),
        BaseModel = "tiny",
        BaseModelSha256 = new string('b', 64),
        Sampling = new ProvenanceSampling(0.7, 1, 24, 7, ["\n\n"]),
        PromptTokens = 12,
        CompletionTokens = 9,
        FinishReason = "stop",
        PromptSha256 = ProvenanceRecord.Sha256(ProvenanceRecord.PromptJson([new ChatMessage(ChatRole.User, "spring question 3?")])),
        TextSha256 = ProvenanceRecord.Sha256("ana-style says spring answer 3."),
        Created = 1_796_000_000,
        KeyId = keyId,
    };

    static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void A_signed_record_verifies_with_the_published_key_and_reads_back_as_signed()
    {
        var record = Sample(signer.PublicKey.KeyId);
        var signed = signer.Sign(record);

        var published = ProvenancePublicKey.FromPem(signer.PublicKey.Pem);
        var verdict = published.Verify(Json(signed));

        Assert.True(verdict.IsValid, verdict.Problem);
        Assert.Equal(record, verdict.Record);
        Assert.Equal(signer.PublicKey.KeyId, published.KeyId);
        // The record as sent is its canonical form with the signature last: what a reader sees is what was signed.
        Assert.StartsWith(Encoding.UTF8.GetString(record.CanonicalBytes())[..^1] + ",\"signature\":\"", signed);
    }

    [Fact]
    public void The_signature_is_es256_over_the_canonical_bytes_as_an_independent_verifier_checks_it()
    {
        var signed = Json(signer.Sign(Sample(signer.PublicKey.KeyId)));
        var jwk = signer.PublicKey.Jwk();

        // A verifier that knows only JWK, RFC 8785 and ES256: rebuild the key from x and y, canonicalise without the signature.
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = FromBase64Url(jwk["x"]!.GetValue<string>()), Y = FromBase64Url(jwk["y"]!.GetValue<string>()) },
        });
        var unsigned = JsonNode.Parse(signed.GetRawText())!.AsObject();
        var signature = FromBase64Url(unsigned["signature"]!.GetValue<string>());
        unsigned.Remove("signature");
        var bytes = CanonicalJson.Encode(JsonSerializer.SerializeToElement(unsigned));

        Assert.Equal(64, signature.Length);
        Assert.True(key.VerifyData(bytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16], jwk["kid"]!.GetValue<string>());
        Assert.Equal(("EC", "P-256", "ES256"), (jwk["kty"]!.GetValue<string>(), jwk["crv"]!.GetValue<string>(), jwk["alg"]!.GetValue<string>()));
    }

    static byte[] FromBase64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));

    [Theory]
    [InlineData("organization", "\"org-globex\"")]
    [InlineData("model", "\"creator-ana/ana-style@1\"")]
    [InlineData("twin_version", "1")]
    [InlineData("adapter_sha256", "\"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"")]
    [InlineData("base_model_sha256", "null")]
    [InlineData("completion_tokens", "10")]
    [InlineData("created", "1796000001")]
    [InlineData("text_sha256", "\"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"")]
    [InlineData("watermark_key_id", "\"wm-1\"")]
    public void A_record_with_any_field_changed_is_refused_as_a_signature_mismatch(string field, string value)
    {
        var tampered = JsonNode.Parse(signer.Sign(Sample(signer.PublicKey.KeyId)))!.AsObject();
        tampered[field] = JsonNode.Parse(value);

        var verdict = signer.PublicKey.Verify(Json(tampered.ToJsonString()));

        Assert.False(verdict.IsValid);
        Assert.Equal(ProvenanceFailure.SignatureMismatch, verdict.Failure);
    }

    [Fact]
    public void A_changed_sampling_setting_or_an_added_field_is_refused()
    {
        var signed = signer.Sign(Sample(signer.PublicKey.KeyId));
        var sampling = JsonNode.Parse(signed)!.AsObject();
        sampling["sampling"]!["temperature"] = 0.8;
        var added = JsonNode.Parse(signed)!.AsObject();
        added["note"] = "hello";

        Assert.Equal(ProvenanceFailure.SignatureMismatch, signer.PublicKey.Verify(Json(sampling.ToJsonString())).Failure);
        var extra = signer.PublicKey.Verify(Json(added.ToJsonString()));
        Assert.Equal((ProvenanceFailure.MalformedField, "note"), (extra.Failure, extra.Field));
    }

    [Fact]
    public void Another_records_signature_is_refused_as_a_signature_mismatch()
    {
        var first = JsonNode.Parse(signer.Sign(Sample(signer.PublicKey.KeyId, "prov-first")))!.AsObject();
        var second = JsonNode.Parse(signer.Sign(Sample(signer.PublicKey.KeyId, "prov-second")))!.AsObject();
        first["signature"] = second["signature"]!.GetValue<string>();

        Assert.Equal(ProvenanceFailure.SignatureMismatch, signer.PublicKey.Verify(Json(first.ToJsonString())).Failure);
    }

    [Fact]
    public void A_record_checked_with_another_key_is_refused_as_a_key_id_mismatch_and_a_forged_key_id_as_a_signature_mismatch()
    {
        using var other = ProvenanceSigner.Create();
        var signed = signer.Sign(Sample(signer.PublicKey.KeyId));
        var forged = JsonNode.Parse(other.Sign(Sample(other.PublicKey.KeyId)))!.AsObject();
        forged["key_id"] = signer.PublicKey.KeyId;

        var wrongKey = other.PublicKey.Verify(Json(signed));
        Assert.Equal(ProvenanceFailure.KeyIdMismatch, wrongKey.Failure);
        Assert.Contains(signer.PublicKey.KeyId, wrongKey.Problem);
        Assert.Equal(ProvenanceFailure.SignatureMismatch, signer.PublicKey.Verify(Json(forged.ToJsonString())).Failure);
    }

    [Theory]
    [InlineData("prompt_tokens", "\"twelve\"", "prompt_tokens")]
    [InlineData("adapter_sha256", "\"not-a-hash\"", "adapter_sha256")]
    [InlineData("id", "\"chatcmpl-abc\"", "id")]
    [InlineData("completion_id", "\"resp-abc\"", "completion_id")]
    [InlineData("format", "\"twinforge.provenance.v0\"", "format")]
    [InlineData("signature", "\"c2hvcnQ\"", "signature")]
    [InlineData("signature", "\"***\"", "signature")]
    [InlineData("sampling", "{\"max_tokens\":2,\"seed\":null,\"stop\":[],\"temperature\":1}", "sampling.top_p")]
    public void A_malformed_field_is_refused_naming_it(string field, string value, string named)
    {
        var tampered = JsonNode.Parse(signer.Sign(Sample(signer.PublicKey.KeyId)))!.AsObject();
        tampered[field] = JsonNode.Parse(value);

        var verdict = signer.PublicKey.Verify(Json(tampered.ToJsonString()));

        Assert.Equal((ProvenanceFailure.MalformedField, named), (verdict.Failure, verdict.Field));
        Assert.Contains($"'{named}'", verdict.Problem);
    }

    [Fact]
    public void A_missing_field_is_refused_naming_it()
    {
        var tampered = JsonNode.Parse(signer.Sign(Sample(signer.PublicKey.KeyId)))!.AsObject();
        tampered.Remove("watermark_key_id");

        Assert.Equal("watermark_key_id", signer.PublicKey.Verify(Json(tampered.ToJsonString())).Field);
    }

    [Fact]
    public void A_signer_refuses_a_record_naming_another_key_and_round_trips_through_pem()
    {
        using var reloaded = ProvenanceSigner.FromPem(signer.ExportPem());

        Assert.Equal(signer.PublicKey.KeyId, reloaded.PublicKey.KeyId);
        Assert.True(signer.PublicKey.Verify(Json(reloaded.Sign(Sample(signer.PublicKey.KeyId)))).IsValid);
        Assert.Throws<ArgumentException>(() => signer.Sign(Sample("0000000000000000")));
    }

    [Fact]
    public void A_document_checks_the_prompt_and_text_that_came_with_the_record()
    {
        var signed = Json(signer.Sign(Sample(signer.PublicKey.KeyId)));
        var prompt = JsonNode.Parse(ProvenanceRecord.PromptJson([new ChatMessage(ChatRole.User, "spring question 3?")]));
        JsonElement Envelope(string text) => Json(new JsonObject
        {
            ["object"] = "twinforge.provenance", ["record"] = JsonNode.Parse(signed.GetRawText()), ["prompt"] = prompt!.DeepClone(), ["text"] = text,
        }.ToJsonString());
        JsonElement Completion(string text) => Json(new JsonObject
        {
            ["choices"] = new JsonArray(new JsonObject { ["message"] = new JsonObject { ["content"] = text } }),
            ["twinforge"] = new JsonObject { ["provenance"] = JsonNode.Parse(signed.GetRawText()) },
        }.ToJsonString());

        Assert.True(ProvenanceDocument.Read(Envelope("ana-style says spring answer 3.")).Verify(signer.PublicKey).IsValid);
        Assert.True(ProvenanceDocument.Read(Completion("ana-style says spring answer 3.")).Verify(signer.PublicKey).IsValid);
        Assert.True(ProvenanceDocument.Read(signed).Verify(signer.PublicKey).IsValid);
        Assert.Equal(ProvenanceFailure.ContentMismatch, ProvenanceDocument.Read(Envelope("ana-style says something else.")).Verify(signer.PublicKey).Failure);
        Assert.Equal(ProvenanceFailure.ContentMismatch, ProvenanceDocument.Read(Completion("edited answer")).Verify(signer.PublicKey).Failure);
        Assert.Equal("record", Assert.Throws<ProvenanceFormatException>(() => ProvenanceDocument.Read(Json("""{"id":"x"}"""))).Field);
    }

    [Fact]
    public void A_text_completions_record_hashes_its_prompt_as_a_json_string_and_its_document_is_checked_against_choices_text()
    {
        var record = Sample(signer.PublicKey.KeyId) with
        {
            CompletionId = "cmpl-xyz",
            PromptSha256 = ProvenanceRecord.Sha256(ProvenanceRecord.PromptJson("Once upon a \"time\"\n")),
        };
        var signed = signer.Sign(record);
        JsonElement TextCompletion(string text, bool whole) => Json(new JsonObject
        {
            ["object"] = "text_completion",
            ["choices"] = new JsonArray(new JsonObject { ["text"] = text, ["index"] = 0, ["finish_reason"] = "stop" }),
            ["usage"] = whole ? new JsonObject { ["prompt_tokens"] = 12 } : null,
            ["twinforge"] = new JsonObject { ["provenance"] = JsonNode.Parse(signed) },
        }.ToJsonString());

        Assert.Equal("\"Once upon a \\\"time\\\"\\n\"", ProvenanceRecord.PromptJson("Once upon a \"time\"\n"));
        var verdict = signer.PublicKey.Verify(Json(signed));
        Assert.True(verdict.IsValid, verdict.Problem);
        Assert.Equal("cmpl-xyz", verdict.Record!.CompletionId);
        Assert.True(ProvenanceDocument.Read(TextCompletion("ana-style says spring answer 3.", whole: true)).Verify(signer.PublicKey).IsValid);
        Assert.Equal(ProvenanceFailure.ContentMismatch,
            ProvenanceDocument.Read(TextCompletion("edited answer", whole: true)).Verify(signer.PublicKey).Failure);
        // A stream's last finish chunk carries the record with an empty piece of text: nothing to check it against.
        Assert.True(ProvenanceDocument.Read(TextCompletion("", whole: false)).Verify(signer.PublicKey).IsValid);
    }

    public void Dispose() => signer.Dispose();
}
