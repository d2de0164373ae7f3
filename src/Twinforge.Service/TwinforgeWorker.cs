using Twinforge.Service.Hosting;
using Twinforge.Service.Jobs;

namespace Twinforge.Service;

/// <summary>
/// A fine-tuning worker without HTTP (<c>twinforge worker</c>): a Hangfire server taking jobs from the queue, up to
/// <c>Twinforge:Jobs:Capacity</c> at once, configured exactly as the service is (registry, artifact store, data and work
/// directories, base models). Any number of workers on any number of machines share one PostgreSQL database, artifact
/// store and work directory. SIGTERM or Ctrl-C stops it gracefully: each running job writes a checkpoint and goes back
/// to the queue, for this worker's next start or another worker to resume.
/// </summary>
/// <example><code>await TwinforgeWorker.CreateHostBuilder(["--Twinforge:Registry", "Host=db;Database=twinforge"]).Build().RunAsync();</code></example>
public static class TwinforgeWorker
{
    public static IHostBuilder CreateHostBuilder(string[] args) =>
        Host.CreateDefaultBuilder(args)
            .ConfigureAppConfiguration((_, configuration) => TwinforgeService.AddEnvironmentAliases(configuration, position: 0))
            .ConfigureLogging(TwinforgeService.ConfigureLogging)
            .ConfigureServices((context, services) => AddServices(services, context.Configuration));

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceOptions>().Bind(configuration.GetSection(ServiceOptions.Section))
            .Validate(JobsOptions.AreValid, JobsOptions.Requirements)
            .ValidateOnStart();
        services.AddSingleton<ServiceStorage>();
        BaseModelRegistration.AddTo(services);
        JobQueue.Add(services, runWorker: true);
    }
}
