using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// The public half of the service's provenance signing key, which verifies records offline. Its id is the first 16
/// hex digits of the SHA-256 of its SubjectPublicKeyInfo (DER), so a record's <c>key_id</c> names the key that signed
/// it whoever publishes the key.
/// </summary>
/// <example><code>
/// var key = ProvenancePublicKey.FromPem(File.ReadAllText("twinforge-provenance.pem"));
/// var verdict = key.Verify(JsonDocument.Parse(recordJson).RootElement);
/// </code></example>
public sealed class ProvenancePublicKey
{
    readonly byte[] subjectPublicKeyInfo;

    ProvenancePublicKey(byte[] subjectPublicKeyInfo)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var parameters = key.ExportParameters(false);
        if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new CryptographicException("a provenance key must be an ECDSA key on P-256");
        this.subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];
        Pem = PemEncoding.WriteString("PUBLIC KEY", subjectPublicKeyInfo) + "\n";
        X = parameters.Q.X!;
        Y = parameters.Q.Y!;
    }

    public string KeyId { get; }

    /// <summary>The key as "BEGIN PUBLIC KEY" PEM (SubjectPublicKeyInfo).</summary>
    public string Pem { get; }

    byte[] X { get; }
    byte[] Y { get; }

    public static ProvenancePublicKey FromSubjectPublicKeyInfo(byte[] der) => new(der);

    /// <summary>From "BEGIN PUBLIC KEY" PEM.</summary>
    public static ProvenancePublicKey FromPem(string pem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new ProvenancePublicKey(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The key as a JSON Web Key (RFC 7517/7518: EC, P-256, ES256) with <c>kid</c> = <see cref="KeyId"/>.</summary>
    public JsonObject Jwk() => new()
    {
        ["kty"] = "EC",
        ["crv"] = "P-256",
        ["x"] = Base64Url.EncodeToString(X),
        ["y"] = Base64Url.EncodeToString(Y),
        ["kid"] = KeyId,
        ["alg"] = "ES256",
        ["use"] = "sig",
    };

    /// <summary>
    /// Checks a signed record (the object with <c>signature</c>): its fields, that it names this key, and that the
    /// signature covers exactly its other members in canonical form. Never throws for a bad record: the verdict says
    /// what failed.
    /// </summary>
    public ProvenanceVerification Verify(JsonElement signedRecord)
    {
        ProvenanceRecord record;
        byte[] signature;
        try
        {
            record = ProvenanceRecord.Read(signedRecord);
            signature = Signature(signedRecord);
        }
        catch (ProvenanceFormatException malformed)
        {
            return ProvenanceVerification.Malformed(malformed);
        }
        if (record.KeyId != KeyId)
            return ProvenanceVerification.Failed(record, ProvenanceFailure.KeyIdMismatch,
                $"the record was signed with key '{record.KeyId}', not with this key ('{KeyId}')");
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var signed = CanonicalJson.Encode(WithoutSignature(signedRecord));
        return key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? ProvenanceVerification.Valid(record)
            : ProvenanceVerification.Failed(record, ProvenanceFailure.SignatureMismatch,
                "the signature does not match the record: a field was changed after signing, or the signature belongs to another record");
    }

    static byte[] Signature(JsonElement record)
    {
        if (!record.TryGetProperty("signature", out var value) || value.ValueKind != JsonValueKind.String)
            throw new ProvenanceFormatException("signature", "is missing or not a string");
        try
        {
            var bytes = Base64Url.DecodeFromChars(value.GetString()!);
            return bytes.Length == 64 ? bytes : throw new ProvenanceFormatException("signature", $"is {bytes.Length} bytes; an ES256 signature (r‖s) is 64");
        }
        catch (FormatException)
        {
            throw new ProvenanceFormatException("signature", "is not base64url");
        }
    }

    /// <summary>The record's members but its signature: what was signed.</summary>
    static JsonElement WithoutSignature(JsonElement record)
    {
        var copy = JsonNode.Parse(record.GetRawText())!.AsObject();
        copy.Remove("signature");
        return JsonSerializer.SerializeToElement(copy);
    }
}
