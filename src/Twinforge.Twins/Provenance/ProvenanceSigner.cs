using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Twinforge.Twins.Provenance;

/// <summary>
/// Signs provenance records with an ECDSA P-256 private key: ES256 as JWS uses it — SHA-256 of the record's canonical
/// bytes (<see cref="ProvenanceRecord.CanonicalBytes"/>), the signature as r‖s (IEEE P1363, 64 bytes), base64url without
/// padding. Holds the key it was given; the host decides where the key lives.
/// </summary>
/// <example><code>
/// using var signer = ProvenanceSigner.FromPem(File.ReadAllText("provenance-signing-key.pem"));
/// string signed = signer.Sign(record with { KeyId = signer.PublicKey.KeyId });
/// </code></example>
public sealed class ProvenanceSigner : IDisposable
{
    readonly ECDsa key;

    ProvenanceSigner(ECDsa key)
    {
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new CryptographicException("a provenance signing key must be an ECDSA key on P-256");
        this.key = key;
        PublicKey = ProvenancePublicKey.FromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo());
    }

    public ProvenancePublicKey PublicKey { get; }

    /// <summary>A new random P-256 key.</summary>
    public static ProvenanceSigner Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>From a PKCS#8 or SEC 1 PEM private key ("BEGIN PRIVATE KEY" / "BEGIN EC PRIVATE KEY").</summary>
    public static ProvenanceSigner FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return new ProvenanceSigner(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PKCS#8 PEM, to be kept secret (file mode 0600).</summary>
    public string ExportPem() => key.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// The signed record as sent and stored: the canonical JSON with <c>"signature"</c> as its last member. The record
    /// must name this signer's key.
    /// </summary>
    public string Sign(ProvenanceRecord record)
    {
        if (record.KeyId != PublicKey.KeyId)
            throw new ArgumentException($"the record names key '{record.KeyId}', but this signer's key is '{PublicKey.KeyId}'", nameof(record));
        var canonical = record.CanonicalBytes();
        var signature = Base64Url.EncodeToString(key.SignData(canonical, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        // Canonical JSON ends with '}': the signature goes in just before it, after the other members.
        return Encoding.UTF8.GetString(canonical, 0, canonical.Length - 1) + ",\"signature\":" + JsonSerializer.Serialize(signature) + "}";
    }

    public void Dispose() => key.Dispose();
}
