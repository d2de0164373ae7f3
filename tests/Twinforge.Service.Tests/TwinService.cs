using Microsoft.Extensions.DependencyInjection;
using Twinforge.Engine.Watermarking;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;
using Twinforge.Service.Watermarking;

namespace Twinforge.Service.Tests;

/// <summary>Tests that train or load models: one at a time, sharing one service with a trained twin (<see cref="TwinService"/>).</summary>
[CollectionDefinition("Twins")]
public sealed class TwinsCollection : ICollectionFixture<TwinService>;

/// <summary>
/// The service with one organisation (Acme) whose creator Ana has a trained twin, <c>ana-style</c>, version 1, aliased
/// <c>production</c>, and a second organisation (Other) with a key and nothing else. Built once for the collection, with
/// a fixed watermark master secret.
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

    /// <summary>Acme's watermark, which its completions carry (on by default): the engine answers as the service does with it.</summary>
    public WatermarkSettings Watermark => Service.Services.GetRequiredService<WatermarkKeys>()
        .SettingsOf(Service.Services.GetRequiredService<ServiceStorage>().Registry.FindOrganisation(Organisation)!);

    public async Task InitializeAsync()
    {
        // A fixed watermark master secret and Acme's fixed id: Acme's key, and so every answer its twin samples, is the
        // same in every run.
        File.WriteAllText(Path.Combine(Service.DataDirectory, WatermarkKeys.DefaultFileName), "5f1c0a9e3b7d42e8a6c19f04d2b87e3c6a0f5d18e94b27c3d6a1f08e5b9c4d27\n");
        (Organisation, Key) = await Service.Organisation("Acme", fixedId: "acme");
        (_, OtherKey) = await Service.Organisation("Other");
        AnaId = await Service.Creator(Key, "Ana");
        Twins = new TinyTwins(Service);
        Version = Twins.Train(Twins.Creator(Organisation, AnaId), "ana-style");
        Twins.Lifecycle.Promote(Version.TwinId, 1, "production");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Service.Dispose();
}
