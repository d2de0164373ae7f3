using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenAI;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Tests;

/// <summary>
/// The real service (<see cref="TwinforgeService.CreateHostBuilder"/>) in memory, on a fresh temporary data directory
/// (SQLite registry and artifact store), with a known admin key and whatever settings a test adds.
/// </summary>
public sealed class ServiceFactory(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<ServiceFactory>
{
    public const string AdminKey = "tf-admin-key-for-tests";

    public string DataDirectory { get; } = settings?.GetValueOrDefault("Twinforge:DataDirectory") ?? Directory.CreateTempSubdirectory("twinforge-service-test-").FullName;

    /// <summary>Services a test puts in place of the service's own (registered after them).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override IHostBuilder CreateHostBuilder() => TwinforgeService.CreateHostBuilder([]);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(Directory.CreateDirectory(DataDirectory).FullName);
        builder.UseSetting("Twinforge:DataDirectory", DataDirectory);
        builder.UseSetting("Twinforge:AdminKey", AdminKey);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Tests compare the service's answers token for token with the engine's in float32: the same dtype on every machine.
        builder.UseSetting("Twinforge:Completions:WeightsPrecision", "fp32");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            if (value is not null) builder.UseSetting(key, value);
        if (TestServices is not null) builder.ConfigureTestServices(TestServices);
    }

    /// <summary>A client sending <paramref name="key"/> as its bearer key (none when null).</summary>
    public HttpClient Client(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The official OpenAI SDK pointed at this service with <paramref name="key"/>: only the base URL and the key differ.</summary>
    public OpenAIClient Sdk(string key) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(CreateClient()),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    /// <summary>Starts the service on a real loopback port, for clients in other processes (node); its base address.</summary>
    public string ListenOnLoopback()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
    }

    /// <summary>
    /// A new organisation and a key of it; returns the organisation's id and the key. With <paramref name="fixedId"/>,
    /// the organisation is <c>org-</c> and that stem padded with zeros to the id's length, recorded in the registry as
    /// the admin endpoint would: with a fixed watermark master secret its key, and so what its twins sample, is then the
    /// same in every run.
    /// </summary>
    public async Task<(string Organisation, string Key)> Organisation(string name = "Acme", string? fixedId = null)
    {
        using var admin = Client(AdminKey);
        var organisation = fixedId is null
            ? (await Json(await admin.PostAsJsonAsync("/admin/organizations", new { name }))).GetProperty("id").GetString()!
            : Services.GetRequiredService<ServiceStorage>().Registry.CreateOrganisation("org-" + fixedId.PadRight(24, '0'), name).PublicId;
        var key = await Json(await admin.PostAsJsonAsync($"/admin/organizations/{organisation}/api_keys", new { name = "tests" }));
        return (organisation, key.GetProperty("value").GetString()!);
    }

    /// <summary>Another key of the organisation whose uploads go to <paramref name="creator"/> unless they name one.</summary>
    public async Task<string> KeyWithDefaultCreator(string organisation, string creator)
    {
        using var admin = Client(AdminKey);
        var key = await Json(await admin.PostAsJsonAsync($"/admin/organizations/{organisation}/api_keys", new { name = "uploads", default_creator = creator }));
        return key.GetProperty("value").GetString()!;
    }

    /// <summary>A creator of the key's organisation with text consent (unless <paramref name="consent"/> is false); returns its id.</summary>
    public async Task<string> Creator(string key, string name = "Ana", bool consent = true)
    {
        using var client = Client(key);
        var creator = await Json(await client.PostAsJsonAsync("/v1/creators",
            consent ? new { name, consent = (object?)new { scope = "text", note = "signed form" } } : new { name, consent = (object?)null }));
        return creator.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A creator with consent, a key whose uploads are theirs, and <paramref name="content"/> uploaded as their file;
    /// returns the key (of a new organisation unless one is given) and the file's id.
    /// </summary>
    public async Task<(string Key, string File, string Creator)> CreatorWithFile(string content, string name = "Ana", string? organisation = null, string? key = null)
    {
        if (organisation is null || key is null) (organisation, key) = await Organisation();
        var creator = await Creator(key, name);
        var uploads = await KeyWithDefaultCreator(organisation, creator);
        using var client = Client(uploads);
        var file = await Json(await client.PostAsync("/v1/files", Upload(content, $"{name.ToLowerInvariant()}.jsonl")));
        return (uploads, file.GetProperty("id").GetString()!, creator);
    }

    /// <summary>The body of a successful response as JSON; a failure shows its body.</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Checks the API's error shape and status; returns the error object.</summary>
    public static async Task<JsonElement> Error(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }

    public static MultipartFormDataContent Upload(string content, string filename = "ana.jsonl", string purpose = "fine-tune", string? creator = null)
    {
        var form = new MultipartFormDataContent { { new StringContent(purpose), "purpose" } };
        if (creator is not null) form.Add(new StringContent(creator), "creator");
        form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(content)), "file", filename);
        return form;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // A data directory the test gave outlives this host (another may start on it); one made here does not.
        if (disposing && settings?.GetValueOrDefault("Twinforge:DataDirectory") is null && Directory.Exists(DataDirectory))
            Directory.Delete(DataDirectory, recursive: true);
    }
}
