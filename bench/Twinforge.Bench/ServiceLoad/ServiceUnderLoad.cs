using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Service;
using Twinforge.Service.Completions;
using Twinforge.Service.Hosting;

namespace Twinforge.Bench.ServiceLoad;

/// <summary>
/// The real service (<see cref="TwinforgeService"/>, its in-process worker included) on a loopback port, with a tiny
/// byte-level base and one twin fine-tuned through the API itself: an organisation, a key, a creator with consent, a
/// file, a job run to success. What the load's clients read and talk to. Its settings are the defaults but for those
/// in <see cref="ChangedSettings"/>, which the report names.
/// </summary>
sealed class ServiceUnderLoad : IAsyncDisposable
{
    const string AdminKey = "tf-admin-key-for-the-load-test";

    readonly IHost host;
    readonly string root;

    public HttpClient Client { get; }
    public string JobId { get; private set; } = "";
    public string FineTunedModel { get; private set; } = "";

    /// <summary>
    /// Settings changed from the defaults for the run, as "key=value". The per-key rate limit (600 a minute) guards
    /// against a runaway client; a deployment serving one product through one key raises it, and here all clients
    /// share a key. The request log (one line a request at Information) would flood the report.
    /// </summary>
    public static IReadOnlyList<string> ChangedSettings { get; } =
    [
        "Twinforge:RateLimit:PermitLimit=1000000",
        "Logging:LogLevel:Default=Warning",
    ];

    /// <summary>The limits that shape the answers under load, as the running service has them.</summary>
    public IReadOnlyList<string> Limits
    {
        get
        {
            var completions = host.Services.GetRequiredService<IOptions<CompletionOptions>>().Value;
            var rateLimit = host.Services.GetRequiredService<IOptions<ServiceOptions>>().Value.RateLimit;
            return
            [
                $"{CompletionOptions.Section}:{nameof(completions.MaxConcurrentGenerations)}={completions.MaxConcurrentGenerations}",
                $"{CompletionOptions.Section}:{nameof(completions.MaxWaitingRequests)}={completions.MaxWaitingRequests}",
                $"{ServiceOptions.Section}:RateLimit:{nameof(rateLimit.PermitLimit)}={rateLimit.PermitLimit} per {rateLimit.WindowSeconds} s",
            ];
        }
    }

    ServiceUnderLoad(IHost host, string root, HttpClient client)
    {
        this.host = host;
        this.root = root;
        Client = client;
    }

    public static async Task<ServiceUnderLoad> StartAsync(TextWriter log)
    {
        var root = Directory.CreateTempSubdirectory("twinforge-service-load-").FullName;
        var baseDirectory = Path.Combine(root, "tiny-base");
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 128, tieWordEmbeddings: true);
        using (var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer()))
        {
            model.Network.InitializeWeights(seed: 3);
            model.Save(baseDirectory);
        }
        string[] arguments =
        [
            "--urls", "http://127.0.0.1:0",
            "--Twinforge:DataDirectory", Path.Combine(root, "data"),
            "--Twinforge:AdminKey", AdminKey,
            "--Twinforge:BaseModels:tiny", baseDirectory,
            .. ChangedSettings.SelectMany(setting => new[] { "--" + setting.Split('=')[0], setting.Split('=')[1] }),
        ];
        var host = TwinforgeService.CreateHostBuilder(arguments).Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 })
        {
            BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1")), Timeout = TimeSpan.FromMinutes(2),
        };
        var service = new ServiceUnderLoad(host, root, client);
        await service.FineTuneOneTwinAsync(log);
        return service;
    }

    async Task FineTuneOneTwinAsync(TextWriter log)
    {
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var organisation = await Json(Client.PostAsJsonAsync("/admin/organizations", new { name = "Load" }));
        var organisationId = organisation.GetProperty("id").GetString();
        var firstKey = await Json(Client.PostAsJsonAsync($"/admin/organizations/{organisationId}/api_keys", new { name = "setup" }));
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", firstKey.GetProperty("value").GetString());
        var creator = await Json(Client.PostAsJsonAsync("/v1/creators", new { name = "Ana", consent = new { scope = "text", note = "load test" } }));
        var creatorId = creator.GetProperty("id").GetString();

        var data = string.Concat(Enumerable.Range(1, 40).Select(i =>
            $$"""{"messages":[{"role":"user","content":"Question {{i}} for ana?"},{"role":"assistant","content":"Answer {{i % 5}}, says ana."}]}""" + "\n"));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("fine-tune"), "purpose" },
            { new StringContent(creatorId!), "creator" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(data)), "file", "ana.jsonl" },
        };
        var file = await Json(Client.PostAsync("/v1/files", form));
        var job = await Json(Client.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = "tiny",
            training_file = file.GetProperty("id").GetString(),
            suffix = "load",
            twinforge = new { set = new[] { "training.max_steps=6", "training.batch_size=4", "data_options.sequence_length=96", "training.precision=float32" } },
        }));
        JobId = job.GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            job = await Json(Client.GetAsync($"/v1/fine_tuning/jobs/{JobId}"));
            var status = job.GetProperty("status").GetString();
            if (status == "succeeded") break;
            if (status is "failed" or "cancelled" || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"the load test's fine-tuning job ended {status}: {job}");
            await Task.Delay(250);
        }
        FineTunedModel = job.GetProperty("fine_tuned_model").GetString()!;
        log.WriteLine($"service-load: job {JobId} succeeded: {FineTunedModel}");
    }

    async Task<JsonElement> Json(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await host.StopAsync();
        host.Dispose();
        Directory.Delete(root, recursive: true);
    }
}
