using Microsoft.Extensions.Options;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Provenance;

/// <summary>
/// The service's provenance signer, a singleton: the key at <see cref="ProvenanceOptions.SigningKeyPath"/>, which must
/// exist, or the data directory's own, created on the first start (<see cref="SecretFile"/>).
/// </summary>
public sealed class ProvenanceSigningKey : IDisposable
{
    public const string DefaultFileName = "provenance-signing-key.pem";

    public ProvenanceSigningKey(ServiceStorage storage, IOptions<ServiceOptions> options, ILogger<ProvenanceSigningKey> logger)
    {
        (Path, var created) = SecretFile.Locate(options.Value.Provenance.SigningKeyPath, System.IO.Path.Combine(storage.DataDirectory, DefaultFileName),
            "Twinforge:Provenance:SigningKeyPath", "an ECDSA P-256 private key in PEM", () =>
            {
                using var signer = ProvenanceSigner.Create();
                return System.Text.Encoding.ASCII.GetBytes(signer.ExportPem());
            });
        try
        {
            Signer = ProvenanceSigner.FromPem(File.ReadAllText(Path));
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"'{Path}' is not an ECDSA P-256 private key in PEM: {e.Message}", e);
        }
        if (created) logger.LogInformation("created the provenance signing key {KeyId} at {Path}", Signer.PublicKey.KeyId, Path);
    }

    public string Path { get; }

    public ProvenanceSigner Signer { get; }

    public ProvenancePublicKey PublicKey => Signer.PublicKey;

    public void Dispose() => Signer.Dispose();
}
