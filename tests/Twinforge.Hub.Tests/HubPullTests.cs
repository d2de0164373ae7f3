using Twinforge.Engine;

namespace Twinforge.Hub.Tests;

/// <summary>Pulls from a fake hub on loopback into a temporary cache: the layout, resuming, refusing, errors, offline.</summary>
public sealed class HubPullTests : IAsyncLifetime
{
    const string Repo = "tiny-org/tiny-llama";
    static readonly Lazy<Dictionary<string, byte[]>> ModelFiles = new(TinyHubModel.Files);

    readonly TemporaryDirectory cache = new();
    readonly HttpClient http = HubClient.CreateHttpClient();
    FakeHub hub = null!;
    string commit = null!;

    public async Task InitializeAsync()
    {
        hub = await FakeHub.StartAsync();
        commit = hub.AddRepository(Repo, ModelFiles.Value);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await hub.DisposeAsync();
        cache.Dispose();
    }

    HubSettings Settings(string? token = null, bool offline = false, int attempts = 5, double timeoutSeconds = 10) =>
        new()
        {
            Endpoint = hub.Endpoint, CacheDirectory = cache.Path, Token = token, Offline = offline, DownloadAttempts = attempts,
            MetadataTimeout = TimeSpan.FromSeconds(timeoutSeconds), DownloadTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        };

    Task<PulledModel> PullAsync(string reference, HubSettings? settings = null, List<HubPullEvent>? events = null) =>
        new HubPull(settings ?? Settings(), http).PullAsync(HubModelReference.Parse(reference), [], events is null ? null : events.Add, CancellationToken.None);

    string RepoFolder => Path.Combine(cache.Path, "models--tiny-org--tiny-llama");

    static string Sha256(byte[] content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    [Fact]
    public async Task A_pull_lays_out_the_cache_as_huggingface_hub_does_and_the_model_loads()
    {
        var pulled = await PullAsync($"hf:{Repo}");

        Assert.Equal(commit, pulled.Commit);
        Assert.Equal($"hf:{Repo}@{commit}", pulled.Pinned.ToString());
        Assert.Equal(Path.Combine(RepoFolder, "snapshots", commit), pulled.Directory);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        Assert.Equal(ModelFiles.Value.Keys.Order(), pulled.Files.Order());
        foreach (var (name, content) in ModelFiles.Value)
        {
            // LFS files are named by their SHA-256, others by their git blob id; the snapshot links to them relatively.
            var etag = name.EndsWith(".safetensors", StringComparison.Ordinal) ? Sha256(content) : GitBlobId.Of(content);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(RepoFolder, "blobs", etag)));
            var link = new FileInfo(Path.Combine(pulled.Directory, name));
            Assert.Equal($"../../blobs/{etag}", link.LinkTarget);
            Assert.Equal(content, File.ReadAllBytes(link.FullName));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs"), "*.incomplete"));
        // The safetensors file came through the redirect to the CDN; no token was sent, as none was set.
        Assert.Contains(hub.Requests, request => request.Path.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.All(hub.Requests, request => Assert.Null(request.Authorization));

        using var model = PretrainedModel.Load(pulled.Directory);
        Assert.Equal(2, model.Network.Config.LayerCount);
        Assert.Equal(32, model.Network.Config.HiddenSize);
    }

    [Fact]
    public async Task A_second_pull_downloads_nothing()
    {
        var first = await PullAsync(Repo);
        var requestsBefore = hub.Requests.Count;
        var events = new List<HubPullEvent>();

        var second = await PullAsync(Repo, events: events);

        Assert.True(first.DownloadedBytes > 0);
        Assert.Equal(0, second.DownloadedBytes);
        Assert.Equal(first.Directory, second.Directory);
        var newRequests = hub.Requests.Skip(requestsBefore).ToList();
        Assert.Equal("/api/models/tiny-org/tiny-llama/revision/main?blobs=true", Assert.Single(newRequests).Path);
        Assert.All(events.OfType<FileReady>(), ready => Assert.True(ready.WasCached));
        var started = Assert.Single(events.OfType<PullStarted>());
        Assert.Equal(started.TotalBytes, started.CachedBytes);
    }

    [Fact]
    public async Task A_download_cut_mid_file_resumes_from_the_incomplete_file_with_a_range_request()
    {
        hub.CutAfter("model.safetensors", bytes: 1000);
        var events = new List<HubPullEvent>();

        var pulled = await PullAsync(Repo, events: events);

        Assert.Equal(ModelFiles.Value["model.safetensors"], File.ReadAllBytes(Path.Combine(pulled.Directory, "model.safetensors")));
        Assert.Contains(hub.Requests, request => request.Range == "bytes=1000-" && request.Path.Contains("model.safetensors", StringComparison.Ordinal));
        Assert.Equal(1000, Assert.Single(events.OfType<DownloadResumed>()).From);
        // Progress never counts a byte twice: the file's last report is its size.
        Assert.Equal(ModelFiles.Value["model.safetensors"].Length,
            events.OfType<BytesReceived>().Last(received => received.File == "model.safetensors").FileDone);
    }

    [Fact]
    public async Task A_pull_cut_for_good_keeps_the_incomplete_file_and_the_next_pull_resumes_it()
    {
        hub.CutAfter("model.safetensors", bytes: 1500, times: 2);
        var weights = ModelFiles.Value["model.safetensors"];
        var incomplete = Path.Combine(RepoFolder, "blobs", Sha256(weights) + ".incomplete");

        var failed = await Assert.ThrowsAsync<HubException>(() => PullAsync(Repo, Settings(attempts: 2)));

        Assert.Equal(HubProblem.Transfer, failed.Problem);
        // Each attempt resumed where the last was cut: 1500 bytes from the first, 1500 more from the second.
        Assert.Contains("'model.safetensors' was cut at 3000 of", failed.Message);
        Assert.Equal(weights[..3000], File.ReadAllBytes(incomplete));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", commit, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")));

        var pulled = await PullAsync(Repo);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(pulled.Directory, "model.safetensors")));
        Assert.Equal("bytes=3000-", hub.Requests.Last(request => request.Path.StartsWith("/cdn/", StringComparison.Ordinal)).Range);
        Assert.False(File.Exists(incomplete));
    }

    /// <summary>A server that takes the connection and never answers is reported within the timeout, not waited on for ever.</summary>
    [Fact]
    public async Task A_hub_that_never_answers_the_listing_is_reported_within_the_metadata_timeout()
    {
        hub.StallListings();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failed = await Assert.ThrowsAsync<HubException>(() => PullAsync(Repo, Settings(timeoutSeconds: 0.5)));

        Assert.Equal(HubProblem.Transfer, failed.Problem);
        Assert.Contains($"cannot reach the Hub at {hub.Endpoint.GetLeftPart(UriPartial.Authority)} (no answer within 0.5 s; HF_HUB_ETAG_TIMEOUT sets the wait)", failed.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 20);
    }

    /// <summary>A transfer that stops sending but keeps its connection counts as cut: the next attempt resumes it.</summary>
    [Fact]
    public async Task A_download_that_stalls_is_cut_after_the_download_timeout_and_resumed()
    {
        hub.StallAfter("model.safetensors", bytes: 1200);
        var events = new List<HubPullEvent>();

        var pulled = await PullAsync(Repo, Settings(timeoutSeconds: 0.5), events);

        Assert.Equal(ModelFiles.Value["model.safetensors"], File.ReadAllBytes(Path.Combine(pulled.Directory, "model.safetensors")));
        Assert.Equal(1200, Assert.Single(events.OfType<DownloadResumed>()).From);
        Assert.Contains(hub.Requests, request => request.Range == "bytes=1200-" && request.Path.Contains("model.safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupted_file_is_refused_naming_it_and_leaves_no_blob_or_link()
    {
        hub.Corrupt("model.safetensors");
        var weights = ModelFiles.Value["model.safetensors"];

        var refused = await Assert.ThrowsAsync<HubException>(() => PullAsync(Repo));

        Assert.Equal(HubProblem.Corrupted, refused.Problem);
        Assert.Contains("'model.safetensors' was refused", refused.Message);
        Assert.Contains(Sha256(weights), refused.Message);
        var corrupted = (byte[])weights.Clone();
        corrupted[^1] ^= 0xFF;
        Assert.Contains(Sha256(corrupted), refused.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs"), Sha256(weights) + "*"));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", commit, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")));
    }

    [Fact]
    public async Task A_missing_revision_and_a_missing_repository_are_named()
    {
        var revision = await Assert.ThrowsAsync<HubException>(() => PullAsync($"{Repo}@no-such-branch"));
        Assert.Equal(HubProblem.NotFound, revision.Problem);
        Assert.Contains($"hf:{Repo}: no revision 'no-such-branch'", revision.Message);

        var repository = await Assert.ThrowsAsync<HubException>(() => PullAsync("tiny-org/no-such-model"));
        Assert.Equal(HubProblem.NotFound, repository.Problem);
        Assert.Contains("hf:tiny-org/no-such-model: no such model repository", repository.Message);
        Assert.Contains("set HF_TOKEN if it is private", repository.Message);
        Assert.False(Directory.Exists(Path.Combine(cache.Path, "models--tiny-org--no-such-model")));
    }

    [Fact]
    public async Task A_gated_repository_needs_a_token_sent_as_a_bearer_token_to_the_hub_only()
    {
        hub.AddRepository("gated-org/gated", ModelFiles.Value, token: "hf_secret");

        var denied = await Assert.ThrowsAsync<HubException>(() => PullAsync("gated-org/gated"));
        Assert.Equal(HubProblem.AccessDenied, denied.Problem);
        Assert.Contains("access denied (HTTP 401)", denied.Message);
        Assert.Contains("Set HF_TOKEN", denied.Message);
        Assert.Contains($"{hub.Endpoint.AbsoluteUri.TrimEnd('/')}/gated-org/gated", denied.Message);

        var wrong = await Assert.ThrowsAsync<HubException>(() => PullAsync("gated-org/gated", Settings(token: "hf_wrong")));
        Assert.Contains("access denied with the token in HF_TOKEN (HTTP 403)", wrong.Message);

        var pulled = await PullAsync("gated-org/gated", Settings(token: "hf_secret"));
        Assert.Equal(ModelFiles.Value["config.json"], File.ReadAllBytes(Path.Combine(pulled.Directory, "config.json")));
        Assert.Contains(hub.Requests, request => request.Path.Contains("/resolve/", StringComparison.Ordinal) && request.Authorization == "Bearer hf_secret");
        // The redirect leads off the Hub's own resolve endpoint: the token is not passed on to the CDN.
        Assert.All(hub.Requests.Where(request => request.Path.StartsWith("/cdn/", StringComparison.Ordinal)), request => Assert.Null(request.Authorization));
    }

    [Fact]
    public async Task Offline_mode_uses_the_cache_and_names_what_is_missing()
    {
        var online = await PullAsync(Repo);
        var requestsBefore = hub.Requests.Count;

        var byBranch = await PullAsync(Repo, Settings(offline: true));
        var byCommit = await PullAsync($"{Repo}@{commit}", Settings(offline: true));

        Assert.Equal(online.Directory, byBranch.Directory);
        Assert.Equal(online.Pinned, byBranch.Pinned);
        Assert.Equal(online.Directory, byCommit.Directory);
        Assert.Equal(requestsBefore, hub.Requests.Count);

        var missing = await Assert.ThrowsAsync<HubException>(() => PullAsync("tiny-org/elsewhere@v1", Settings(offline: true)));
        Assert.Equal(HubProblem.NotCached, missing.Problem);
        Assert.Contains("hf:tiny-org/elsewhere@v1 is not in the Hugging Face cache", missing.Message);
        Assert.Contains(Path.Combine("models--tiny-org--elsewhere", "refs", "v1"), missing.Message);
        Assert.Contains("twinforge models pull tiny-org/elsewhere@v1", missing.Message);

        // A snapshot whose weights' blob is gone is not a model: said, not half-loaded.
        File.Delete(Path.Combine(RepoFolder, "blobs", Sha256(ModelFiles.Value["model.safetensors"])));
        var partial = await Assert.ThrowsAsync<HubException>(() => PullAsync(Repo, Settings(offline: true)));
        Assert.Contains("has no *.safetensors weights", partial.Message);
    }

    [Fact]
    public async Task The_cache_listing_shows_models_revisions_and_sizes()
    {
        await PullAsync(Repo);

        var model = Assert.Single(HubCacheListing.List(cache.Path));

        Assert.Equal(Repo, model.RepoId);
        long total = ModelFiles.Value.Values.Sum(content => (long)content.Length);
        Assert.Equal(total, model.SizeBytes);
        var revision = Assert.Single(model.Revisions);
        Assert.Equal(commit, revision.Commit);
        Assert.Equal(["main"], revision.Refs);
        Assert.Equal(ModelFiles.Value.Count, revision.FileCount);
        Assert.Equal(total, revision.SizeBytes);
    }
    [Fact]
    public async Task A_pull_waits_while_another_holds_the_blobs_lock_and_then_finds_it_whole()
    {
        var weights = ModelFiles.Value["model.safetensors"];
        var etag = Sha256(weights);
        var lockPath = Path.Combine(cache.Path, ".locks", "models--tiny-org--tiny-llama", etag + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var events = new System.Collections.Concurrent.ConcurrentQueue<HubPullEvent>();
        Task<PulledModel> pull;
        // Another downloader (a second Twinforge, or huggingface_hub, which locks the same file) holds the blob.
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            pull = new HubPull(Settings(), http).PullAsync(HubModelReference.Parse(Repo), [], events.Enqueue, CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!events.OfType<WaitingForOtherPull>().Any() && DateTime.UtcNow < deadline && !pull.IsCompleted) await Task.Delay(20);

            Assert.Equal("model.safetensors", Assert.Single(events.OfType<WaitingForOtherPull>()).File);
            await Task.Delay(300);
            Assert.False(pull.IsCompleted);
            // It wrote nothing meanwhile; the holder finishes the blob as a download would, then lets go.
            Assert.False(File.Exists(Path.Combine(RepoFolder, "blobs", etag + ".incomplete")));
            File.WriteAllBytes(Path.Combine(RepoFolder, "blobs", etag), weights);
        }
        var pulled = await pull;

        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(pulled.Directory, "model.safetensors")));
        Assert.DoesNotContain(hub.Requests, request => request.Path.Contains("model.safetensors", StringComparison.Ordinal) && request.Path.StartsWith("/cdn/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pulls_of_one_model_at_once_share_its_blobs_and_each_gets_it_whole()
    {
        var pulls = Enumerable.Range(0, 4).Select(_ => Task.Run(() => PullAsync(Repo))).ToList();
        var pulled = await Task.WhenAll(pulls);

        foreach (var model in pulled)
            foreach (var (name, content) in ModelFiles.Value)
                Assert.Equal(content, File.ReadAllBytes(Path.Combine(model.Directory, name)));
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs"), "*.incomplete"));
        // Each blob came over the network once, whichever pull fetched it.
        Assert.Equal(ModelFiles.Value.Sum(file => (long)file.Value.Length), pulled.Sum(model => model.DownloadedBytes));
    }
}
