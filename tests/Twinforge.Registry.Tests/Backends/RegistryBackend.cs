namespace Twinforge.Registry.Tests.Backends;

/// <summary>
/// One fresh, empty registry database for one test, on one back-end. <see cref="Open"/> may be called several times:
/// each call is a separate registry instance on the same database, as a second process would have.
/// </summary>
public abstract class RegistryBackend : IDisposable
{
    readonly List<ITwinRegistry> opened = [];
    string? location;

    public abstract string Name { get; }

    /// <summary>The database's location as <see cref="TwinRegistry.Open"/> takes it; created on first use.</summary>
    public string Location => location ??= CreateDatabase();

    public ITwinRegistry Open(RegistryOptions? options = null)
    {
        var registry = TwinRegistry.Open(Location, options);
        lock (opened) opened.Add(registry);
        return registry;
    }

    /// <summary>Runs SQL directly on the database, bypassing the registry (to simulate other writers or damage).</summary>
    public abstract void ExecuteRaw(string sql);

    /// <summary>Reads one integer directly from the database, bypassing the registry.</summary>
    public abstract long ScalarRaw(string sql);

    /// <summary>Creates the empty database (or skips the test when the back-end is not available).</summary>
    protected abstract string CreateDatabase();

    protected abstract void DropDatabase(string location);

    public void Dispose()
    {
        lock (opened)
        {
            foreach (var registry in opened) registry.Dispose();
            opened.Clear();
        }
        if (location is not null) DropDatabase(location);
        GC.SuppressFinalize(this);
    }
}
