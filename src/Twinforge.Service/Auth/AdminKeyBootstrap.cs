using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Auth;

/// <summary>
/// At start: without an admin key from the environment and with none recorded, makes one, records its hash and
/// prints the key once on standard output — never to the log, which is kept and shipped elsewhere. Later starts find
/// the recorded one and print nothing.
/// </summary>
public sealed class AdminKeyBootstrap(ServiceStorage storage, AdminCredential configured, ILogger<AdminKeyBootstrap> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("registry {Registry} (schema {Schema}), artifact store {Store}",
            storage.RegistryDescription, storage.Registry.SchemaVersion, storage.Store.Root);
        if (configured.IsConfigured)
        {
            logger.LogInformation("admin key: from the environment");
            return Task.CompletedTask;
        }
        if (storage.Registry.ListApiKeys(null).Any(key => key.RevokedAt is null))
        {
            logger.LogInformation("admin key: the one recorded at first start");
            return Task.CompletedTask;
        }
        var key = ApiKeySecrets.New();
        storage.Registry.CreateApiKey(new NewApiKey(PublicIds.New(PublicIds.Key), null, "admin (first start)", ApiKeySecrets.Hash(key), ApiKeySecrets.Hint(key)));
        Console.Out.WriteLine($"twinforge: the admin key, shown this once (only its hash is kept): {key}");
        Console.Out.Flush();
        logger.LogWarning("admin key: made and printed once on standard output; only its hash is recorded");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
