using Microsoft.Extensions.Options;
using Twinforge.Twins;

namespace Twinforge.Service.Hosting;

/// <summary>
/// Registers the base models the configuration names (<c>Twinforge:BaseModels:NAME=DIRECTORY</c>, the CLI's
/// <c>--base NAME=DIR</c>) as the process starts, so that a job's <c>model</c> can name them. A directory is the
/// operator's, never a request's; registering the same content again changes nothing, and a name already taken by
/// other content stops the start with a message saying so.
/// </summary>
public sealed class BaseModelRegistration(ServiceStorage storage, IOptions<ServiceOptions> options, ILogger<BaseModelRegistration> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, directory) in options.Value.BaseModels)
        {
            var registered = BaseModels.Register(storage.Registry, name, Path.GetFullPath(directory));
            logger.LogInformation("base model {Name}: {Path} ({Architecture}, {Parameters:N0} parameters)", registered.Name, registered.Path,
                registered.Architecture, registered.ParameterCount);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
