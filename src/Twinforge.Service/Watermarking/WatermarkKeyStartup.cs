namespace Twinforge.Service.Watermarking;

/// <summary>
/// Loads (or creates) the watermark master secret as the service starts, so that a missing or malformed configured
/// secret stops the start with its message instead of failing the first completion. The log names the file, never
/// the secret.
/// </summary>
public sealed class WatermarkKeyStartup(WatermarkKeys keys, ILogger<WatermarkKeyStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("completions are watermarked (unless their organisation switched it off) with keys derived from the master secret at {Path}", keys.Path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
