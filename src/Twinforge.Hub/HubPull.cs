namespace Twinforge.Hub;

/// <summary>
/// Gets a model from the Hub into the shared cache and answers with its snapshot directory and pinned commit: the
/// revision is resolved to a commit, the model's files (<see cref="HubFileSelection"/>) not yet whole in the cache are
/// downloaded and checked (<see cref="HubBlobDownload"/>), linked into <c>snapshots/COMMIT</c>, and only then is
/// <c>refs/REVISION</c> written, so a ref of ours always leads to a whole snapshot. Offline
/// (<see cref="HubSettings.Offline"/>) it reads the cache only.
/// </summary>
/// <example><code>
/// using var http = HubClient.CreateHttpClient();
/// var model = await new HubPull(HubSettings.FromEnvironment(), http).PullAsync(HubModelReference.Parse("Qwen/Qwen2.5-0.5B-Instruct"), [], null, ct);
/// </code></example>
public sealed class HubPull(HubSettings settings, HttpClient http)
{
    public async Task<PulledModel> PullAsync(HubModelReference model, IReadOnlyList<string> include, Action<HubPullEvent>? onEvent,
        CancellationToken cancellationToken)
    {
        if (settings.Offline) return FromCache(settings, model);
        var client = new HubClient(http, settings);
        var cache = new HubRepositoryCache(settings.CacheDirectory, model.RepoId);
        var revision = await client.GetRevisionAsync(model.RepoId, model.Revision, cancellationToken);
        var pinned = model.At(revision.Commit);
        var files = HubFileSelection.Select(revision.Files, include);
        RequireModelFiles(pinned, files.Select(file => file.Name).ToList(), "the repository", HubProblem.NotFound);

        long total = files.Sum(file => file.Size), done = 0, downloaded = 0;
        long cached = files.Where(file => File.Exists(cache.BlobPath(file.Etag))).Sum(file => file.Size);
        onEvent?.Invoke(new PullStarted(model, revision.Commit, files.Count, total, cached));
        foreach (var file in files)
        {
            long fileDone = 0;
            bool fetched = await HubBlobDownload.EnsureAsync(client, cache, revision.Commit, file,
                onBytes: count =>
                {
                    (fileDone, done) = (fileDone + count, done + count);
                    onEvent?.Invoke(new BytesReceived(file.Name, fileDone, file.Size, done, total));
                },
                onRetry: from => onEvent?.Invoke(new DownloadResumed(file.Name, from)),
                onWaiting: () => onEvent?.Invoke(new WaitingForOtherPull(file.Name)),
                cancellationToken);
            // A resumed file counts what was already on disk among its bytes; downloaded counts only the network's.
            if (fetched) downloaded += file.Size;
            done += file.Size - fileDone;
            cache.Link(revision.Commit, file.Name, file.Etag);
            onEvent?.Invoke(new FileReady(file.Name, file.Size, WasCached: !fetched));
        }
        if (!model.IsPinned) cache.WriteRef(model.Revision, revision.Commit);
        return new PulledModel(pinned, cache.SnapshotDirectory(revision.Commit), downloaded, files.Select(file => file.Name).ToList());
    }

    /// <summary>
    /// The model as the cache has it, without the network: a commit hash names its snapshot, a branch or tag is read
    /// through <c>refs/</c>. Throws <see cref="HubException"/> (<see cref="HubProblem.NotCached"/>) naming what is missing.
    /// </summary>
    public static PulledModel FromCache(HubSettings settings, HubModelReference model)
    {
        var cache = new HubRepositoryCache(settings.CacheDirectory, model.RepoId);
        var pullFirst = $"pull it with the network first: twinforge models pull {model.RepoId}@{model.Revision}";
        var commit = model.IsPinned ? model.Revision
            : cache.ReadRef(model.Revision) ?? throw new HubException(HubProblem.NotCached,
                $"{model} is not in the Hugging Face cache ({cache.RefPath(model.Revision)} is missing) and HF_HUB_OFFLINE is set: {pullFirst}");
        var snapshot = cache.SnapshotDirectory(commit);
        if (!Directory.Exists(snapshot))
            throw new HubException(HubProblem.NotCached, $"{model}: the cache has no snapshot {snapshot} and HF_HUB_OFFLINE is set: {pullFirst}");
        var names = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
            .Where(HubRepositoryCache.LeadsToFile)
            .Select(path => Path.GetRelativePath(snapshot, path).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal).ToList();
        var pinned = model.At(commit);
        RequireModelFiles(pinned, names, $"the cached snapshot {snapshot} (HF_HUB_OFFLINE is set)", HubProblem.NotCached);
        return new PulledModel(pinned, snapshot, 0, names);
    }

    /// <summary>A configuration and safetensors weights (every shard an index names is checked when loading).</summary>
    static void RequireModelFiles(HubModelReference model, IReadOnlyList<string> names, string where, HubProblem problem)
    {
        if (!names.Contains("config.json"))
            throw new HubException(problem, $"{model}: {where} has no config.json, so it is not a model Twinforge can load");
        if (!names.Any(name => !name.Contains('/', StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal)))
            throw new HubException(problem,
                $"{model}: {where} has no *.safetensors weights (Twinforge reads safetensors only, not .bin, .pt, .h5, .onnx or .gguf)");
    }
}
