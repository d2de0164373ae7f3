using Microsoft.Extensions.Options;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Twins;

namespace Twinforge.Service.Hosting;

/// <summary>
/// The registry and artifact store the service works on, opened once per process the way the command line opens them
/// (a PostgreSQL connection string or a SQLite file; the registry completes interrupted deletions as it opens), and
/// the directory where uploads are staged. Every path is the configuration's, never a request's. When the host
/// registers a <see cref="Func{EvaluationSources}"/> (the command line registers the built-in sources), every version
/// a job trains is evaluated against it (fidelity, memorisation, forgetting) and promotion uses the figures.
/// </summary>
public sealed class ServiceStorage : IDisposable
{
    readonly Func<Twins.Fidelity.EvaluationSources>? evaluation;

    public ServiceStorage(IOptions<ServiceOptions> options, Func<Twins.Fidelity.EvaluationSources>? evaluation = null)
    {
        this.evaluation = evaluation;
        var settings = options.Value;
        DataDirectory = Path.GetFullPath(settings.DataDirectory);
        Directory.CreateDirectory(DataDirectory);
        RegistryLocation = settings.Registry is { Length: > 0 } configured
            ? TwinRegistry.IsPostgresConnectionString(configured) ? configured : Path.GetFullPath(configured)
            : Path.Combine(DataDirectory, "registry.db");
        Store = new LocalArtifactStore(Path.GetFullPath(settings.Artifacts is { Length: > 0 } artifacts ? artifacts : Path.Combine(DataDirectory, "artifacts")));
        UploadsDirectory = Path.Combine(DataDirectory, "uploads");
        Directory.CreateDirectory(UploadsDirectory);
        WorkDirectory = Path.GetFullPath(settings.Jobs.WorkDirectory is { Length: > 0 } work ? work : Path.Combine(DataDirectory, "work"));
        Registry = TwinRegistry.Open(RegistryLocation, new RegistryOptions { ArtifactStore = Store });
    }

    public string DataDirectory { get; }

    /// <summary>For messages and logs; a PostgreSQL connection string is not shown (it may hold a password).</summary>
    public string RegistryDescription => TwinRegistry.IsPostgresConnectionString(RegistryLocation) ? "PostgreSQL" : RegistryLocation;

    /// <summary>The registry's location as TwinRegistry.Open takes it (a PostgreSQL connection string or a SQLite path): not for messages.</summary>
    public string RegistryLocation { get; }

    public bool IsPostgres => TwinRegistry.IsPostgresConnectionString(RegistryLocation);

    public ITwinRegistry Registry { get; }

    public LocalArtifactStore Store { get; }

    /// <summary>Where an upload is written while it is checked; each in a directory of its own, removed afterwards.</summary>
    public string UploadsDirectory { get; }

    /// <summary>Where jobs' versions train, with their checkpoints (shared by every worker that may resume them).</summary>
    public string WorkDirectory { get; }

    /// <summary>The twin lifecycle over this registry and store, training in <see cref="WorkDirectory"/>, acting as <paramref name="actor"/>.</summary>
    public TwinLifecycle Lifecycle(string actor) => new(Registry, Store, actor, WorkDirectory) { Evaluation = evaluation };

    public void Dispose() => Registry.Dispose();
}
