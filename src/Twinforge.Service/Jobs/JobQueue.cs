using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Jobs;

/// <summary>
/// Fine-tuning jobs on Hangfire: its storage, its client (the API enqueues) and, for a worker, its server, composed
/// from the service's options. Hangfire queues, fetches, re-queues and times out; <see cref="FineTuningJobRunner"/> is
/// the job body. The storage is the registry's PostgreSQL database (schema <c>hangfire</c>) or, with a SQLite registry,
/// <c>hangfire.db</c> beside it. Storage and activator are this host's own (in DI), not Hangfire's process-wide
/// defaults, so two hosts in one process (tests) do not share them.
/// </summary>
public static class JobQueue
{
    /// <summary>The Hangfire queue fine-tuning jobs go to (Hangfire's names: lowercase letters, digits, underscores).</summary>
    public const string Name = "fine_tuning";

    public static void Add(IServiceCollection services, bool runWorker)
    {
        services.AddSingleton<JobStorage>(provider =>
        {
            // Hangfire's process-wide settings (its log provider) are applied before its storage logs anything.
            provider.GetRequiredService<IGlobalConfiguration>();
            return CreateStorage(provider.GetRequiredService<ServiceStorage>(), provider.GetRequiredService<IOptions<ServiceOptions>>().Value.Jobs);
        });
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(HangfireLogs.Instance));
        services.AddMetrics();
        services.AddSingleton<JobMetrics>();
        services.TryAddSingleton(BaseTwinDefaults.None); // the command line adds the built-in bases' own
        services.AddSingleton<FineTuningJobs>();
        services.AddTransient<FineTuningJobRunner>();
        services.AddHostedService<OpenStorageAtStart>();
        if (!runWorker) return;

        services.AddHangfireServer((provider, server) =>
        {
            var jobs = provider.GetRequiredService<IOptions<ServiceOptions>>().Value.Jobs;
            server.WorkerCount = jobs.Capacity;
            server.Queues = [Name];
            // A stopping worker's job sees its token at once, checkpoints, and goes back to the queue within this time.
            server.StopTimeout = TimeSpan.Zero;
            server.ShutdownTimeout = jobs.ShutdownTimeout;
            server.SchedulePollingInterval = jobs.PollInterval;
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
        });
        // The host waits for the worker's jobs to checkpoint before it gives up on them.
        services.AddOptions<HostOptions>().Configure<IOptions<ServiceOptions>>((host, options) =>
            host.ShutdownTimeout = options.Value.Jobs.ShutdownTimeout + TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Opens the queue's storage as the host starts (creating its tables), so a bad configuration stops the start; sends
    /// Hangfire's log entries to this host's logging while it lives; and creates the jobs' instruments.
    /// </summary>
    sealed class OpenStorageAtStart(JobStorage storage, ILoggerFactory logging, JobMetrics metrics) : IHostedService, IDisposable
    {
        readonly IDisposable logs = HangfireLogs.Attach(logging);

        /// <summary>Made at start, so its instruments exist for an exporter before any job runs here.</summary>
        public JobMetrics Metrics { get; } = metrics;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            using var connection = storage.GetConnection();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => logs.Dispose();
    }

    static JobStorage CreateStorage(ServiceStorage storage, JobsOptions jobs)
    {
        if (storage.IsPostgres)
        {
            var options = new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                QueuePollInterval = jobs.PollInterval,
                // Renewed by each live worker: a job whose worker died (SIGKILL, a lost machine) is fetched again after it.
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = jobs.InvisibilityTimeout(sliding: true),
                PrepareSchemaIfNecessary = true,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(storage.RegistryLocation, options), options);
        }
        return new SQLiteStorage(Path.Combine(storage.DataDirectory, "hangfire.db"), new SQLiteStorageOptions
        {
            QueuePollInterval = jobs.PollInterval,
            InvisibilityTimeout = jobs.InvisibilityTimeout(sliding: false),
        });
    }
}
