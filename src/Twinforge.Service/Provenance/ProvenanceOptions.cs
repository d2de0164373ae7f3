namespace Twinforge.Service.Provenance;

/// <summary>Bound from <c>Twinforge:Provenance</c>.</summary>
public sealed class ProvenanceOptions
{
    /// <summary>
    /// The ECDSA P-256 private key (PEM) that signs completions' provenance records. Unset: <c>provenance-signing-key.pem</c>
    /// in the data directory, created (mode 0600) on the first start. Several service processes behind one name should
    /// share one key file, so that the key they publish verifies every record any of them signed.
    /// </summary>
    public string? SigningKeyPath { get; set; }
}
