using Microsoft.Extensions.Options;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// Deletes what was unpacked for serving once the registry no longer records it (<see cref="ServedModels.ForgetErased"/>):
/// at start (what an earlier run left) and then every <see cref="CompletionOptions.ForgetErasedEverySeconds"/>, for
/// erasures made elsewhere — the command line, another machine. A withdrawal through this service's API does it at once.
/// </summary>
public sealed class ServedModelsSweep(ServedModels served, IOptions<CompletionOptions> options, ILogger<ServedModelsSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ForgetErasedEverySeconds));
        do
        {
            try
            {
                served.ForgetErased();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "could not check the served models' cache against the registry; trying again later");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
