using Microsoft.Extensions.DependencyInjection;
using Twinforge.Hub;
using Twinforge.Hub.Tests;

namespace Twinforge.Service.Tests;

/// <summary>
/// <c>Twinforge:BaseModels:NAME=hf:ORG/NAME</c> in the service's own configuration: the model is pulled from the Hub
/// (a fake hub on loopback) before the service serves, and registered under its name; a model the Hub does not have
/// stops the start, naming the setting.
/// </summary>
[Collection("Torch")]
public sealed class HubBaseModelTests : IAsyncLifetime
{
    const string Repo = "tiny-org/tiny-base";
    readonly string cache = Directory.CreateTempSubdirectory("twinforge-hf-cache-").FullName;
    FakeHub hub = null!;
    string commit = null!;

    public async Task InitializeAsync()
    {
        hub = await FakeHub.StartAsync();
        commit = hub.AddRepository(Repo, Directory.GetFiles(TinyBase.Directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes));
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        Directory.Delete(cache, recursive: true);
    }

    ServiceFactory Service(string source) => new(new Dictionary<string, string?> { ["Twinforge:BaseModels:hubtiny"] = source, ["Twinforge:Jobs:RunWorker"] = "false" })
    {
        TestServices = services => services.AddSingleton(new HubSettings { Endpoint = hub.Endpoint, CacheDirectory = cache }),
    };

    [Fact]
    public async Task A_hub_model_in_the_configuration_is_pulled_at_start_and_served_by_its_name()
    {
        await using var service = Service($"hf:{Repo}");
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);

        var model = await ServiceFactory.Json(await client.GetAsync("/v1/models/hubtiny"));

        Assert.Equal("hubtiny", model.GetProperty("id").GetString());
        Assert.True(File.Exists(Path.Combine(cache, "models--tiny-org--tiny-base", "snapshots", commit, "config.json")));
        Assert.Contains(hub.Requests, request => request.Path.Contains("/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_hub_model_that_is_not_there_stops_the_start_naming_the_setting()
    {
        using var service = Service("hf:tiny-org/nothing-here");

        var failure = Assert.ThrowsAny<Exception>(() => service.CreateClient());

        var message = string.Join(" | ", Messages(failure));
        Assert.Contains("Twinforge:BaseModels:hubtiny", message);
        Assert.Contains("tiny-org/nothing-here", message);
    }

    static IEnumerable<string> Messages(Exception? failure)
    {
        for (; failure is not null; failure = failure.InnerException) yield return failure.Message;
    }
}
