using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Service.Hosting;
using Twinforge.Service.Jobs;

namespace Twinforge.Cli.Commands;

/// <summary>
/// The options <c>serve</c> and <c>worker</c> share — where the registry, the store, the data and work directories are,
/// which base models to register, how many jobs to train at once — turned into the host's command-line configuration
/// (<c>--Twinforge:…</c>), the top layer over appsettings.json and the environment.
/// </summary>
sealed class HostArguments(Hub.HubSettings hub)
{
    readonly Option<DirectoryInfo> dataDirectory = new("--data-dir")
    {
        Description = $"The registry (SQLite), artifact store, job queue (SQLite) and work directory [default: $TWINFORGE_DATA_DIR, else {ServiceOptions.DefaultDataDirectory}]",
    };
    readonly Option<string> registry = new("--registry")
    {
        Description = "A PostgreSQL connection string (Host=…;Database=…) for a registry and job queue shared by many machines, or a SQLite file [default: registry.db in the data directory]",
    };
    readonly Option<DirectoryInfo> artifacts = new("--artifacts")
    {
        Description = "The artifact store directory (shared by every machine with PostgreSQL) [default: artifacts in the data directory]",
    };
    readonly Option<DirectoryInfo> workDirectory = new("--work-dir")
    {
        Description = "Where jobs train, with their checkpoints (shared by every worker with PostgreSQL, so any can resume a job) [default: work in the data directory]",
    };
    readonly Option<int?> capacity = new("--capacity") { Description = "Jobs this process trains at once [default: 1]" };
    readonly Option<string[]> bases = new("--base")
    {
        Description = "Register a base model: NAME=DIR, a Hugging Face model directory (or builtin, once `twinforge pretrain` built it, or hf:ORG/NAME[@REVISION], pulled from the Hub) that jobs name as their model (repeatable) [default: none; registered ones stay]",
        AllowMultipleArgumentsPerToken = false,
    };

    readonly Option<bool> noEvaluation = new("--no-evaluation")
    {
        Description = "Evaluate no version the jobs train (by default each is measured for fidelity, memorisation and forgetting against the built-in sources, and promotion uses the figures) [default: off]",
    };

    public IEnumerable<Option> Options => [dataDirectory, registry, artifacts, workDirectory, capacity, bases, noEvaluation];

    /// <summary>
    /// The host with what the options add beyond configuration: the built-in evaluation sources (read from the cache
    /// when a version is first evaluated), unless --no-evaluation.
    /// </summary>
    public Microsoft.Extensions.Hosting.IHostBuilder Configure(Microsoft.Extensions.Hosting.IHostBuilder builder, ParseResult result)
    {
        var cache = CacheLocation.Resolve(null);
        // Jobs on a built-in base (wherever it was registered from) start from the settings `twin create` gives it.
        var builtInDefaults = new Twinforge.Service.Jobs.BaseTwinDefaults(BuiltInModelSize.All
            .Select(size => (Directory: FindBuiltIn(cache, size), Options: Twins.TwinRecipeArguments.BuiltInTwinOptions(size)))
            .Where(found => found.Directory is not null)
            .DistinctBy(found => found.Directory)
            .ToDictionary(found => found.Directory!, found => found.Options));
        return builder.ConfigureServices((_, services) =>
        {
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, builtInDefaults);
            if (result.GetValue(noEvaluation)) return;
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Func<Twinforge.Twins.Fidelity.EvaluationSources>>(services,
                _ => () => BuiltInEvaluationSources.Load(cache));
        });
    }

    /// <summary>A built-in base's directory, or null where none is built (or its shipped marker is unreadable: serving goes on).</summary>
    static string? FindBuiltIn(string cache, BuiltInModelSize size)
    {
        try
        {
            return BuiltInModels.Find(cache, size);
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>The configuration arguments these options give; throws <see cref="Engine.BadInputException"/> for a malformed --base.</summary>
    /// <param name="cancellationToken">Ctrl-C: stops the pull of a Hub base (or the wait for the Hub) at once.</param>
    public List<string> ToConfiguration(ParseResult result, CancellationToken cancellationToken)
    {
        const string Section = ServiceOptions.Section;
        var arguments = new List<string>();
        if (result.GetValue(dataDirectory) is { } data) arguments.AddRange([$"--{Section}:{nameof(ServiceOptions.DataDirectory)}", data.FullName]);
        if (result.GetValue(registry) is { } location) arguments.AddRange([$"--{Section}:{nameof(ServiceOptions.Registry)}", location]);
        if (result.GetValue(artifacts) is { } store) arguments.AddRange([$"--{Section}:{nameof(ServiceOptions.Artifacts)}", store.FullName]);
        if (result.GetValue(workDirectory) is { } work) arguments.AddRange([$"--{Section}:Jobs:{nameof(JobsOptions.WorkDirectory)}", work.FullName]);
        if (result.GetValue(capacity) is { } count)
        {
            if (count < 1) throw new Engine.BadInputException($"--capacity: {count} jobs at once; give at least 1");
            arguments.AddRange([$"--{Section}:Jobs:{nameof(JobsOptions.Capacity)}", count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        foreach (var given in result.GetValue(bases) ?? [])
        {
            var equals = given.IndexOf('=');
            if (equals <= 0 || equals == given.Length - 1) throw new Engine.BadInputException($"--base: '{given}' is not NAME=DIR (e.g. --base tiny=models/tiny)");
            // "builtin" (or "builtin:tiny"): the CLI's built-in base model, once `twinforge pretrain` has built it.
            var model = given[(equals + 1)..];
            var directory = Hub.HubModelReference.IsHubReference(model)
                ? Runs.HubBaseModel.Get(hub, model, [], result.InvocationConfiguration.Output, cancellationToken).Directory
                : ModelArguments.Resolve(model, CacheLocation.Resolve(null));
            if (!File.Exists(Path.Combine(directory, "config.json")))
                throw new Engine.BadInputException($"--base: {directory} is not a model directory (no config.json)");
            arguments.AddRange([$"--{Section}:{nameof(ServiceOptions.BaseModels)}:{given[..equals]}", directory]);
        }
        return arguments;
    }
}
