using System.CommandLine;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>--registry</c>, <c>--artifacts</c> and <c>--by</c>, shared by the <c>twin</c> and <c>creator</c> commands, and
/// the opened registry they name. Opening completes artifact deletions an interrupted consent withdrawal left.
/// </summary>
public sealed class RegistryArguments
{
    public Option<string> Registry { get; } = new("--registry")
    {
        Description = "The registry: a SQLite file, or a PostgreSQL connection string (Host=…;Database=…) for a shared one " +
                      "[default: $TWINFORGE_REGISTRY, else registry.db in $TWINFORGE_DATA_DIR (the service's), else ~/.local/share/twinforge/registry.db]",
    };

    public Option<DirectoryInfo> Artifacts { get; } = new("--artifacts")
    {
        Description = "The artifact store directory (adapters, models, reports, stored data) " +
                      "[default: $TWINFORGE_ARTIFACTS, else 'artifacts' beside a SQLite registry, else ~/.local/share/twinforge/artifacts]",
    };

    public Option<string> By { get; } = new("--by") { Description = "Who acts, as recorded with versions, aliases and deletions [default: $USER]" };

    public void AddTo(Command command)
    {
        command.Options.Add(Registry);
        command.Options.Add(Artifacts);
        command.Options.Add(By);
    }

    /// <summary>The registry and store the options name, and the lifecycle over them.</summary>
    public OpenedRegistry Open(ParseResult result)
    {
        var location = Location(result.GetValue(Registry), Environment.GetEnvironmentVariable);
        var isPostgres = TwinRegistry.IsPostgresConnectionString(location);
        if (!isPostgres)
        {
            location = Path.GetFullPath(location);
            Directory.CreateDirectory(Path.GetDirectoryName(location)!);
        }
        var artifacts = result.GetValue(Artifacts)?.FullName
            ?? (Environment.GetEnvironmentVariable("TWINFORGE_ARTIFACTS") is { Length: > 0 } fromEnvironment ? Path.GetFullPath(fromEnvironment) : null)
            ?? (isPostgres ? DefaultRoot("artifacts") : Path.Combine(Path.GetDirectoryName(location)!, "artifacts"));
        var store = new LocalArtifactStore(artifacts);
        var registry = TwinRegistry.Open(location, new RegistryOptions { ArtifactStore = store });
        var actor = result.GetValue(By) ?? Environment.GetEnvironmentVariable("USER") ?? Environment.UserName;
        return new OpenedRegistry(registry, store, new TwinLifecycle(registry, store, actor));
    }

    /// <summary>
    /// The registry <c>--registry</c> (<paramref name="given"/>) or the environment names: $TWINFORGE_REGISTRY, else the
    /// service's data directory ($TWINFORGE_DATA_DIR, which `serve` reads too), so these commands see the twins it serves.
    /// </summary>
    public static string Location(string? given, Func<string, string?> environment) =>
        given
        ?? (environment("TWINFORGE_REGISTRY") is { Length: > 0 } registry ? registry : null)
        ?? (environment("TWINFORGE_DATA_DIR") is { Length: > 0 } dataDirectory ? Path.Combine(dataDirectory, "registry.db") : null)
        ?? DefaultRoot("registry.db");

    static string DefaultRoot(string name) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "twinforge", name);
}

/// <summary>An open registry with its store and lifecycle; disposing closes the registry.</summary>
public sealed record OpenedRegistry(ITwinRegistry Registry, LocalArtifactStore Store, TwinLifecycle Lifecycle) : IDisposable
{
    /// <summary>
    /// The creator named <paramref name="name"/>: the command line's by their name, the service's by their id
    /// ("creator-…") or, when no creator has that name, by the name their organisation gave them.
    /// </summary>
    public Creator Creator(string name)
    {
        try
        {
            return Registry.GetCreatorByName(name);
        }
        catch (UnknownEntityException)
        {
            var called = Registry.ListCreators().Where(creator => creator.DisplayName == name).ToList();
            if (called.Count == 0) throw;
            if (called.Count == 1) return called[0];
            throw new RegistryException($"{called.Count} of the service's creators are called '{name}' (" +
                                        string.Join("; ", called.Select(creator => $"{creator.Name}, {OrganisationsName(creator)}")) + "): give the creator's id");
        }
    }

    /// <summary>What a service creator's organisation calls them: "'Ana' of organisation 'Acme'".</summary>
    public string OrganisationsName(Creator creator) =>
        $"'{creator.DisplayName}' of organisation '{(creator.OrganisationId is long id ? Registry.FindOrganisation(id)?.Name : null) ?? "?"}'";

    /// <summary>
    /// The twin called <paramref name="name"/>: of <paramref name="creatorName"/> when given, else the only twin of
    /// that name (names are unique per creator, so two creators' twins may share one).
    /// </summary>
    public Twin Twin(string name, string? creatorName)
    {
        if (creatorName is not null) return Registry.GetTwinByName(Creator(creatorName).Id, name);
        var matches = Registry.ListTwins().Where(twin => twin.Name == name).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new RegistryException($"no twin is called '{name}'"),
            _ => throw new RegistryException($"{matches.Count} creators have a twin called '{name}': add --creator"),
        };
    }

    public void Dispose() => Registry.Dispose();
}
