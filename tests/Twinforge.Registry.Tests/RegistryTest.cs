using Twinforge.Registry.Tests.Backends;

namespace Twinforge.Registry.Tests;

/// <summary>
/// The base of the back-end-independent suites: each suite is an abstract class derived from this, with one concrete
/// subclass per back-end, so SQLite and PostgreSQL run the same tests. Every test gets its own empty database.
/// </summary>
public abstract class RegistryTest(RegistryBackend backend) : IDisposable
{
    protected RegistryBackend Backend { get; } = backend;

    /// <summary>A directory for this test's files (artifact stores, data files), deleted after it.</summary>
    protected TemporaryDirectory Scratch { get; } = new();

    /// <summary>A registry instance on this test's database; call again for a second "process".</summary>
    protected ITwinRegistry Open(RegistryOptions? options = null) => Backend.Open(options);

    public void Dispose()
    {
        Backend.Dispose();
        Scratch.Dispose();
        GC.SuppressFinalize(this);
    }
}
