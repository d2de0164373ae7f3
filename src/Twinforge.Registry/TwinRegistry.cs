using Twinforge.Registry.Sql;

namespace Twinforge.Registry;

/// <summary>
/// Opens a registry, creating or migrating its schema first. SQLite (a file; the default, no server needed) or
/// PostgreSQL (a connection string; for teams and many machines).
/// </summary>
/// <example><code>using var registry = TwinRegistry.Open(".twinforge/registry.db");
/// using var shared = TwinRegistry.Open("Host=db;Database=twinforge;Username=twinforge");</code></example>
public static class TwinRegistry
{
    public static ITwinRegistry OpenSqlite(string path, RegistryOptions? options = null)
    {
        options ??= new RegistryOptions();
        return Open(new SqliteDialect(path, options.BusyTimeout), options);
    }

    public static ITwinRegistry OpenPostgres(string connectionString, RegistryOptions? options = null)
    {
        options ??= new RegistryOptions();
        return Open(new PostgresDialect(connectionString, options.BusyTimeout), options);
    }

    /// <summary>
    /// A location with "Host=" in it is a PostgreSQL connection string (Npgsql's keywords); anything else is the path
    /// of a SQLite file.
    /// </summary>
    public static ITwinRegistry Open(string location, RegistryOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        return IsPostgresConnectionString(location) ? OpenPostgres(location, options) : OpenSqlite(location, options);
    }

    public static bool IsPostgresConnectionString(string location) =>
        location.Contains("Host=", StringComparison.OrdinalIgnoreCase) || location.Contains("Server=", StringComparison.OrdinalIgnoreCase);

    static ITwinRegistry Open(ISqlDialect dialect, RegistryOptions options)
    {
        SqlTwinRegistry? registry = null;
        try
        {
            registry = new SqlTwinRegistry(dialect, options.Clock);
            if (options.ArtifactStore is { } store) registry.CompletePendingDeletions(store);
            return registry;
        }
        catch
        {
            if (registry is not null) registry.Dispose();
            else dialect.Dispose();
            throw;
        }
    }
}
