namespace Twinforge.Service.Provenance;

/// <summary>
/// Loads (or creates) the provenance signing key as the service starts, so a missing or unreadable configured key
/// stops the start with its message instead of failing the first completion, and the log names the key in use.
/// </summary>
public sealed class ProvenanceKeyStartup(ProvenanceSigningKey key, ILogger<ProvenanceKeyStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("provenance records are signed with key {KeyId} ({Path})", key.PublicKey.KeyId, key.Path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
