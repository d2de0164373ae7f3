using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Twinforge.Hub;
using Twinforge.Twins;

namespace Twinforge.Service.Hosting;

/// <summary>
/// Registers the base models the configuration names (<c>Twinforge:BaseModels:NAME=DIRECTORY</c>, the CLI's
/// <c>--base NAME=DIR</c>) as the process starts, so that a job's <c>model</c> can name them. A directory is the
/// operator's, never a request's; registering the same content again changes nothing, and a name already taken by
/// other content stops the start with a message saying so. <c>NAME=hf:ORG/NAME[@REVISION]</c> names a Hub model: it is
/// pulled into the Hugging Face cache (or found there offline) before the process serves, through the
/// <see cref="HubSettings"/> the host registered (the environment's, read once at start: <see cref="AddTo"/>).
/// </summary>
public sealed class BaseModelRegistration(ServiceStorage storage, IOptions<ServiceOptions> options, HubSettings hub, ILogger<BaseModelRegistration> logger)
    : IHostedService
{
    /// <summary>Registers the start-up registration, and the Hub's settings from the environment unless the host gave its own.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.TryAddSingleton(_ => HubSettings.FromEnvironment());
        services.AddHostedService<BaseModelRegistration>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, source) in options.Value.BaseModels)
        {
            var directory = HubModelReference.IsHubReference(source) ? await PullAsync(name, source, cancellationToken) : Path.GetFullPath(source);
            var registered = BaseModels.Register(storage.Registry, name, directory);
            logger.LogInformation("base model {Name}: {Path} ({Architecture}, {Parameters:N0} parameters)", registered.Name, registered.Path,
                registered.Architecture, registered.ParameterCount);
        }
    }

    async Task<string> PullAsync(string name, string source, CancellationToken cancellationToken)
    {
        try
        {
            using var http = HubClient.CreateHttpClient();
            var pulled = await new HubPull(hub, http).PullAsync(HubModelReference.Parse(source), [], onEvent: null, cancellationToken);
            logger.LogInformation("base model {Name}: {Source} is {Pinned}, {Bytes:N0} bytes downloaded", name, source, pulled.Pinned.ToString(),
                pulled.DownloadedBytes);
            return pulled.Directory;
        }
        catch (HubException e)
        {
            // The start stops, naming the setting: a base the configuration names must be there before anything is served.
            throw new InvalidOperationException($"{ServiceOptions.Section}:BaseModels:{name}: {e.Message}", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
