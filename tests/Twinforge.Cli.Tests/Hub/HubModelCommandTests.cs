using System.Text.Json.Nodes;
using Twinforge.Hub;
using Twinforge.Hub.Tests;
using static Twinforge.Cli.Tests.CliTesting;

namespace Twinforge.Cli.Tests.Hub;

/// <summary><c>models pull</c>, <c>models list</c> and <c>hf:ORG/NAME[@REVISION]</c> as a base, against a fake hub on loopback.</summary>
[Collection("Torch")]
public sealed class HubModelCommandTests : IAsyncLifetime
{
    const string Repo = "tiny-org/tiny-llama";
    readonly TemporaryDirectory directory = new();
    FakeHub hub = null!;
    string commit = null!;

    public async Task InitializeAsync()
    {
        hub = await FakeHub.StartAsync();
        var model = TinyModel(directory.File("made"));
        commit = hub.AddRepository(Repo, Directory.GetFiles(model).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes));
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        directory.Dispose();
    }

    HubSettings Settings(bool offline = false) => new() { Endpoint = hub.Endpoint, CacheDirectory = directory.File("hf-cache"), Offline = offline };

    string Snapshot => Path.Combine(directory.File("hf-cache"), "models--tiny-org--tiny-llama", "snapshots", commit);

    [Fact]
    public void Models_pull_shows_progress_and_ends_with_the_snapshot_and_commit_then_list_shows_it()
    {
        var pulled = RunWithHub(Settings(), "models", "pull", Repo);

        Assert.True(pulled.ExitCode == ExitCodes.Success, pulled.Error + pulled.Output);
        Assert.Contains($"{Repo}: revision main is commit {commit}", pulled.Output);
        Assert.Contains("model.safetensors: ", pulled.Output);
        Assert.Contains("downloaded and checked", pulled.Output);
        Assert.Contains($"snapshot: {Snapshot}", pulled.Output);
        Assert.Contains($"commit: {commit}", pulled.Output);
        Assert.Contains($"--base hf:{Repo}@{commit}", pulled.Output);

        var listed = RunWithHub(Settings(), "models", "list");
        Assert.Equal(ExitCodes.Success, listed.ExitCode);
        Assert.Contains(Repo, listed.Output);
        Assert.Contains($"{commit} (main)  4 files", listed.Output);

        var missing = RunWithHub(Settings(), "models", "pull", "tiny-org/nothing-here");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("error: hf:tiny-org/nothing-here: no such model repository", missing.Error);
    }

    [Fact]
    public void A_fine_tune_from_a_hub_model_records_it_pinned_to_its_commit_and_repeats_offline()
    {
        var data = ChatData(directory.File("alice.jsonl"), 24);
        string[] quick =
        [
            "--data", data, "--max-steps", "2", "--batch-size", "4", "--rank", "4", "--set", "training.precision=float32",
            "--set", "data_options.sequence_length=96", "--set", "early_stopping.evaluate_every_steps=2",
        ];

        var run = directory.File("run");
        var trained = RunWithHub(Settings(), ["finetune", "--base", $"hf:{Repo}", "--output", run, .. quick]);

        Assert.True(trained.ExitCode == ExitCodes.Success, trained.Error + trained.Output);
        var pinned = $"hf:{Repo}@{commit}";
        Assert.Contains($"base: \"{pinned}\"", File.ReadAllText(Path.Combine(run, "recipe.yaml")));
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "run.json")))!;
        Assert.Equal(pinned, (string?)record["base_model_source"]);
        Assert.Equal(Snapshot, (string?)record["base_model"]);
        // The adapter names its base as PEFT loads it anywhere: the repository id at the pinned commit, not this cache's path.
        var adapterConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "adapter", "adapter_config.json")))!;
        Assert.Equal(Repo, (string?)adapterConfig["base_model_name_or_path"]);
        Assert.Equal(commit, (string?)adapterConfig["revision"]);

        // The recorded recipe runs again from the cache alone: the commit names its snapshot, nothing is asked of the hub.
        var requests = hub.Requests.Count;
        var again = RunWithHub(Settings(offline: true), "finetune", "--recipe", Path.Combine(run, "recipe.yaml"), "--output", directory.File("again"));
        Assert.True(again.ExitCode == ExitCodes.Success, again.Error + again.Output);
        Assert.Equal(requests, hub.Requests.Count);
        Assert.Equal(pinned, (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(directory.File("again"), "run.json")))!["base_model_source"]);

        var notCached = RunWithHub(Settings(offline: true), ["finetune", "--base", "hf:tiny-org/elsewhere", "--output", directory.File("none"), .. quick]);
        Assert.Equal(ExitCodes.BadInput, notCached.ExitCode);
        Assert.Contains("hf:tiny-org/elsewhere@main is not in the Hugging Face cache", notCached.Error);
    }

    [Fact]
    public void A_twin_on_a_hub_model_names_it_pinned_in_its_lineage()
    {
        var registry = directory.File("registry.db");
        (int ExitCode, string Output, string Error) Twin(params string[] args) => RunWithHub(Settings(), [.. args, "--registry", registry, "--by", "tester"]);
        Assert.Equal(ExitCodes.Success, Twin("creator", "add", "ana").ExitCode);
        Assert.Equal(ExitCodes.Success, Twin("creator", "consent", "ana", "--scope", "text").ExitCode);

        var created = Twin("twin", "create", "ana-style", "--creator", "ana", "--base", $"hf:{Repo}@main", "--data", ChatData(directory.File("spring.jsonl"), 30),
            "--set", "training.max_steps=2", "--set", "training.batch_size=4", "--set", "training.precision=float32",
            "--set", "data_options.sequence_length=96", "--set", "data_options.validation_fraction=0.2");

        Assert.True(created.ExitCode == ExitCodes.Success, created.Error + created.Output);
        var lineage = Twin("twin", "lineage", "ana-style", "1");
        Assert.Contains($"base model 'hf:{Repo}@{commit}'", lineage.Output);
        Assert.Contains(Snapshot, lineage.Output);
    }

    [Fact]
    public void Commands_that_use_a_model_take_a_hub_model_pulling_it_on_the_error_stream()
    {
        var generated = RunWithHub(Settings(), "generate", "--model", $"hf:{Repo}", "--prompt", "hello", "--max-new-tokens", "4", "--temperature", "0");

        Assert.True(generated.ExitCode == ExitCodes.Success, generated.Error + generated.Output);
        Assert.Contains($"hf:{Repo}@{commit}: {Snapshot}", generated.Error); // the pull's report, not the command's output
        Assert.DoesNotContain(Snapshot, generated.Output);
        var offline = RunWithHub(Settings(offline: true), "generate", "--model", $"hf:{Repo}", "--prompt", "hello", "--max-new-tokens", "2");
        Assert.Single(offline.Error.Split('\n'), line => line.Contains("(offline: from the cache)", StringComparison.Ordinal)); // resolved once, said once
        var described = RunWithHub(Settings(offline: true), "inspect", "--model", $"hf:{Repo}@{commit}");
        Assert.True(described.ExitCode == ExitCodes.Success, described.Error + described.Output);
        Assert.Contains("model type", described.Output);
        var inspected = RunWithHub(Settings(offline: true), "watermark", "detect", "--key-hex", new string('a', 64), "--model", $"hf:{Repo}@{commit}", "some text to test");
        Assert.True(inspected.ExitCode == ExitCodes.Success, inspected.Error + inspected.Output);
        Assert.Contains("z-score", inspected.Output);

        var missing = RunWithHub(Settings(offline: true), "generate", "--model", "hf:tiny-org/elsewhere", "--prompt", "hello");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("hf:tiny-org/elsewhere@main is not in the Hugging Face cache", missing.Error);
    }
    [Fact]
    public void A_malformed_HF_ENDPOINT_stops_only_what_uses_the_hub_and_in_words()
    {
        var settings = HubSettings.FromEnvironment(name => name switch
        {
            "HF_ENDPOINT" => "notaurl",
            "HF_HUB_CACHE" => directory.File("hf-cache"),
            _ => null,
        });

        var version = RunWithHub(settings, "--version");
        Assert.Equal(ExitCodes.Success, version.ExitCode);
        var pulled = RunWithHub(settings, "models", "pull", Repo);
        Assert.Equal(ExitCodes.BadInput, pulled.ExitCode);
        Assert.StartsWith("error: HF_ENDPOINT: 'notaurl' is not an http(s) address", pulled.Error);
    }
}
