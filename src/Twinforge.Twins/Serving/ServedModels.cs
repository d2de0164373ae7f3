using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Serving;
using Twinforge.Engine.Tokenization;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Serving;

/// <summary>
/// Models loaded to answer requests, many twins on one base: each base is loaded once (checked unchanged) with a
/// <see cref="ContinuousBatcher"/> that decodes the requests for all its twins together, and a twin's LoRA adapter is
/// loaded on demand — from the artifact store, unpacked into a cache directory named by content hash — into the
/// base's <see cref="AdapterCache"/>, never merged into a copy of the base. A fully fine-tuned version has weights of
/// its own and is loaded as a model by itself. Beyond <see cref="ServingOptions.LoadedModels"/> the least recently
/// used model no stream is using is unloaded. Once disposed, requests under way finish on what they hold and new ones
/// are refused with <see cref="ObjectDisposedException"/> (they would load models nobody disposes).
/// </summary>
/// <example><code>
/// using var served = new ServedModels(registry, store, ".twinforge/served");
/// var reply = served.Chat(resolver.Resolve("ana-style", creators), [new ChatMessage(ChatRole.User, "Hi")], new GenerationOptions());
/// </code></example>
public sealed class ServedModels : IDisposable
{
    /// <summary>A loaded model with its batcher and (for a base) its twins' adapters.</summary>
    sealed class Entry : IDisposable
    {
        public Entry(PretrainedModel model, string? unpackedHash, ServingOptions options, Func<string, AdapterWeights> loadAdapter)
        {
            Model = model;
            UnpackedHash = unpackedHash;
            Adapters = new AdapterCache(options.AdapterCacheBytes, loadAdapter);
            Batcher = new ContinuousBatcher(model.Network, options.Batching);
        }

        public PretrainedModel Model { get; }
        public string? UnpackedHash { get; }
        public AdapterCache Adapters { get; }
        public ContinuousBatcher Batcher { get; }
        public int Users;
        public long LastUsed;
        public bool Retired;

        public void Dispose()
        {
            Batcher.Dispose();
            Adapters.Dispose();
            Model.Dispose();
        }
    }

    readonly ITwinRegistry registry;
    readonly IArtifactStore store;
    readonly string cacheDirectory;
    readonly ServingOptions options;
    readonly Dictionary<string, Entry> loaded = [];
    readonly Lock gate = new();
    long clock;
    bool disposed;

    public ServedModels(ITwinRegistry registry, IArtifactStore store, string cacheDirectory, ServingOptions? options = null)
    {
        this.registry = registry;
        this.store = store;
        this.cacheDirectory = cacheDirectory;
        this.options = options ?? new ServingOptions();
        this.options.Validate();
        weightsDType = this.options.ResolvedWeightsDType;
    }

    // The dtype bases are held in, decided once (automatic precision times a product).
    readonly TorchSharp.torch.ScalarType weightsDType;

    /// <summary>Answers <paramref name="messages"/> with <paramref name="model"/>.</summary>
    public GenerationResult Chat(ResolvedModel model, IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        GenerationResult? result = null;
        foreach (var _ in StreamChat(model, messages, options, finished => result = finished)) { }
        return result!;
    }

    /// <summary>
    /// As <see cref="Chat"/>, piece by piece; <paramref name="finished"/> gets the whole result with its usage.
    /// Disposing the enumeration early, or <paramref name="cancellation"/>, takes the request out of its batch.
    /// </summary>
    public IEnumerable<ServedPiece> StreamChat(ResolvedModel model, IReadOnlyList<ChatMessage> messages, GenerationOptions options,
        Action<GenerationResult> finished, CancellationToken cancellation = default) =>
        Serve(model, tokenizer => TextGenerator.ChatPrompt(tokenizer, messages, options), finished, cancellation);

    /// <summary>Continues <paramref name="prompt"/> as plain text (no chat format), piece by piece.</summary>
    public IEnumerable<ServedPiece> StreamCompletion(ResolvedModel model, string prompt, GenerationOptions options,
        Action<GenerationResult> finished, CancellationToken cancellation = default) =>
        Serve(model, tokenizer => (tokenizer.Encode(prompt), options), finished, cancellation);

    /// <summary>The tokenizer <paramref name="model"/> reads and writes text with (loading the model if it is not).</summary>
    public ITokenizer TokenizerOf(ResolvedModel model)
    {
        var (entry, lease) = Acquire(model);
        lease?.Dispose();
        Release(entry);
        return entry.Model.Tokenizer;
    }

    IEnumerable<ServedPiece> Serve(ResolvedModel model, Func<ITokenizer, (IReadOnlyList<int> Ids, GenerationOptions Options)> prompt,
        Action<GenerationResult> finished, CancellationToken cancellation)
    {
        var (entry, lease) = Acquire(model);
        try
        {
            var tokenizer = entry.Model.Tokenizer;
            var (promptIds, generation) = prompt(tokenizer);
            using var leave = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var stream = entry.Batcher.Submit(promptIds, generation with { StopTokenIds = TextGenerator.StopTokenIds(tokenizer, generation) }, lease, leave.Token);
            lease = null; // the batcher releases it when the stream ends
            var decoder = new StreamingTextDecoder(tokenizer, generation.StopSequences, generation.ReplyLeader);
            var pending = new List<ServedToken>();
            try
            {
                while (!decoder.Stopped && stream.Tokens.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                {
                    while (!decoder.Stopped && stream.Tokens.TryRead(out var token))
                    {
                        if (token.Logprob is float logprob) pending.Add(Described(tokenizer, token, logprob));
                        var text = decoder.Add(token.Id);
                        if (text.Length == 0) continue;
                        yield return new ServedPiece(text, pending.ToList());
                        pending.Clear();
                    }
                }
            }
            finally
            {
                leave.Cancel(); // a stop sequence or an abandoned enumeration: the stream leaves the batch at its next step
            }
            var rest = decoder.Finish();
            if (rest.Length > 0 || pending.Count > 0) yield return new ServedPiece(rest, pending);
            finished(new GenerationResult(decoder.Text, decoder.TokenIds.ToList(), TextGenerator.ReasonOf(decoder, promptIds.Count, generation, entry.Model.Config),
                promptIds.Count));
        }
        finally
        {
            lease?.Dispose();
            Release(entry);
        }
    }

    static ServedToken Described(ITokenizer tokenizer, GeneratedToken token, float logprob) =>
        new(tokenizer.Decode([token.Id]), logprob,
            token.TopAlternatives.Select(alternative => new ServedAlternative(tokenizer.Decode([alternative.Id]), alternative.Logprob)).ToList());

    /// <summary>
    /// Unloads and deletes what was unpacked for versions whose artifacts the registry no longer records (a consent
    /// withdrawal, a deleted twin): a cache must not outlive the erasure of what it was derived from. A model or an
    /// adapter answering a request meanwhile is released when that request ends.
    /// </summary>
    public void ForgetErased()
    {
        lock (gate)
        {
            foreach (var (key, entry) in loaded.ToList())
            {
                entry.Adapters.Forget(hash => !registry.IsArtifactRecorded(hash));
                if (entry.UnpackedHash is not { } hash || registry.IsArtifactRecorded(hash)) continue;
                loaded.Remove(key);
                Retire(entry);
            }
            if (!Directory.Exists(cacheDirectory)) return;
            foreach (var directory in Directory.EnumerateDirectories(cacheDirectory))
                if (!registry.IsArtifactRecorded(Path.GetFileName(directory))) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The loaded model that answers for <paramref name="model"/>, and the lease on its twin's adapter (null: none).</summary>
    (Entry Entry, AdapterLease? Lease) Acquire(ResolvedModel model)
    {
        var adapter = model.Version?.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.Adapter);
        var (key, ownWeights) = model.Version is { } version && adapter is null
            ? ($"full:{VersionTrainer.ArtifactOf(version, ArtifactReference.MergedModel)}", version.Artifacts.First(a => a.Kind == ArtifactReference.MergedModel))
            : ($"base:{model.Base.Id}", null);
        Entry entry;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!loaded.TryGetValue(key, out entry!))
            {
                entry = Load(model, ownWeights);
                loaded[key] = entry;
            }
            entry.Users++;
            entry.LastUsed = ++clock;
            EvictBeyondCapacity();
        }
        if (adapter is null) return (entry, null);
        try
        {
            // Outside the lock: a cold adapter reads its files while other requests go on.
            return (entry, entry.Adapters.Acquire(adapter.ContentHash));
        }
        catch
        {
            Release(entry);
            throw;
        }
    }

    void Release(Entry entry)
    {
        lock (gate)
        {
            entry.Users--;
            if (entry.Retired && entry.Users == 0) entry.Dispose();
        }
    }

    Entry Load(ResolvedModel model, ArtifactReference? ownWeights)
    {
        var directory = ownWeights is null ? BaseModels.RequireUnchanged(model.Base) : Unpacked(ownWeights.ContentHash);
        var pretrained = PretrainedModel.Load(directory, weightsDType);
        try
        {
            var network = pretrained.Network;
            return new Entry(pretrained, ownWeights?.ContentHash, options,
                hash => AdapterWeights.Load(network, Unpacked(hash), network.ComputeDType ?? network.DType));
        }
        catch
        {
            pretrained.Dispose();
            throw;
        }
    }

    /// <summary>The artifact unpacked under the cache, once: into a temporary sibling, then renamed, so a half-written copy is never used.</summary>
    string Unpacked(string contentHash)
    {
        var directory = Path.Combine(cacheDirectory, contentHash);
        if (Directory.Exists(directory)) return directory;
        Directory.CreateDirectory(cacheDirectory);
        var partial = directory + ".partial-" + Guid.NewGuid().ToString("N");
        new RecordedArtifacts(registry, store).ExtractDirectory(contentHash, partial);
        try
        {
            Directory.Move(partial, directory);
        }
        catch (IOException) when (Directory.Exists(directory))
        {
            Directory.Delete(partial, recursive: true); // another request unpacked it meanwhile
        }
        return directory;
    }

    void EvictBeyondCapacity()
    {
        foreach (var (key, entry) in loaded.Where(pair => pair.Value.Users == 0).OrderBy(pair => pair.Value.LastUsed).ToList())
        {
            if (loaded.Count <= options.LoadedModels) break;
            loaded.Remove(key);
            Retire(entry);
        }
    }

    static void Retire(Entry entry)
    {
        entry.Retired = true;
        if (entry.Users == 0) entry.Dispose();
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            foreach (var entry in loaded.Values) Retire(entry);
            loaded.Clear();
        }
    }
}
