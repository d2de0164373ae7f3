using Twinforge.Registry.Records;

namespace Twinforge.Service.Tests;

/// <summary>Tests that train or load models: one at a time, sharing one service with a trained twin (<see cref="TwinService"/>).</summary>
[CollectionDefinition("Twins")]
public sealed class TwinsCollection : ICollectionFixture<TwinService>;

/// <summary>
/// The service with one organisation (Acme) whose creator Ana has a trained twin, <c>ana-style</c>, version 1, aliased
/// <c>production</c>, and a second organisation (Other) with a key and nothing else. Built once for the collection.
/// </summary>
public sealed class TwinService : IAsyncLifetime, IDisposable
{
    public ServiceFactory Service { get; } = new();
    public string Organisation { get; private set; } = "";
    public string Key { get; private set; } = "";
    public string OtherKey { get; private set; } = "";
    public string AnaId { get; private set; } = "";
    internal TinyTwins Twins { get; private set; } = null!;
    public TwinVersion Version { get; private set; } = null!;

    /// <summary>The id a completion of ana-style's version 1 answers with.</summary>
    public string ModelId => $"{AnaId}/ana-style@1";

    public async Task InitializeAsync()
    {
        (Organisation, Key) = await Service.Organisation("Acme");
        (_, OtherKey) = await Service.Organisation("Other");
        AnaId = await Service.Creator(Key, "Ana");
        Twins = new TinyTwins(Service);
        Version = Twins.Train(Twins.Creator(Organisation, AnaId), "ana-style");
        Twins.Lifecycle.Promote(Version.TwinId, 1, "production");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Service.Dispose();
}
