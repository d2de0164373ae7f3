using Microsoft.Extensions.Options;
using Twinforge.Storage;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Provenance;

namespace Twinforge.Service.Provenance;

/// <summary>
/// The service's provenance signer, a singleton: the key at <see cref="ProvenanceOptions.SigningKeyPath"/>, which must
/// exist, or the data directory's own, created on the first start — written whole with mode 0600 (only the service's
/// user reads it), and, if two processes start at once on one directory, the first one's kept and read by both.
/// </summary>
public sealed class ProvenanceSigningKey : IDisposable
{
    public const string DefaultFileName = "provenance-signing-key.pem";

    public ProvenanceSigningKey(ServiceStorage storage, IOptions<ServiceOptions> options, ILogger<ProvenanceSigningKey> logger)
    {
        var configured = options.Value.Provenance.SigningKeyPath;
        Path = configured is { Length: > 0 } ? System.IO.Path.GetFullPath(configured) : System.IO.Path.Combine(storage.DataDirectory, DefaultFileName);
        if (configured is { Length: > 0 } && !File.Exists(Path))
            throw new InvalidOperationException($"Twinforge:Provenance:SigningKeyPath names '{Path}', which does not exist: give an ECDSA P-256 private key in PEM, or leave it unset for one in the data directory");
        if (!File.Exists(Path))
        {
            using var created = ProvenanceSigner.Create();
            var pem = created.ExportPem();
            if (AtomicFile.TryCreate(Path, stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(pem)), UnixFileMode.UserRead | UnixFileMode.UserWrite))
                logger.LogInformation("created the provenance signing key {KeyId} at {Path}", created.PublicKey.KeyId, Path);
        }
        try
        {
            Signer = ProvenanceSigner.FromPem(File.ReadAllText(Path));
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"'{Path}' is not an ECDSA P-256 private key in PEM: {e.Message}", e);
        }
    }

    public string Path { get; }

    public ProvenanceSigner Signer { get; }

    public ProvenancePublicKey PublicKey => Signer.PublicKey;

    public void Dispose() => Signer.Dispose();
}
