using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tokenization;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Serving;

/// <summary>
/// Models loaded to answer requests: a base from its registered directory (checked unchanged when loaded), a twin
/// version as its base with its adapter (or, fully fine-tuned, its own weights) unpacked from the artifact store into
/// a cache directory named by content hash. The least recently used model not answering anyone is unloaded beyond
/// <c>capacity</c>. One twin at a time answers per loaded model; batching many twins on one base is the next step.
/// </summary>
/// <example><code>
/// using var served = new ServedModels(registry, store, ".twinforge/served");
/// var reply = served.Chat(resolver.Resolve("ana-style", creators), [new ChatMessage(ChatRole.User, "Hi")], new GenerationOptions());
/// </code></example>
public sealed class ServedModels(ITwinRegistry registry, IArtifactStore store, string cacheDirectory, int capacity = 2) : IDisposable
{
    sealed class Entry(PretrainedModel model, string? unpackedHash)
    {
        public PretrainedModel Model { get; } = model;
        public string? UnpackedHash { get; } = unpackedHash;
        public int Users;
        public long LastUsed;
        public bool Retired;
    }

    readonly Dictionary<string, Entry> loaded = [];
    readonly Lock gate = new();
    long clock;

    /// <summary>Answers <paramref name="messages"/> with <paramref name="model"/>.</summary>
    public GenerationResult Chat(ResolvedModel model, IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        var entry = Acquire(model);
        try
        {
            return entry.Model.Chat(messages, options);
        }
        finally
        {
            Release(entry);
        }
    }

    /// <summary>As <see cref="Chat"/>, piece by piece; <paramref name="finished"/> gets the whole result with its usage.</summary>
    public IEnumerable<string> StreamChat(ResolvedModel model, IReadOnlyList<ChatMessage> messages, GenerationOptions options,
        Action<GenerationResult> finished)
    {
        var entry = Acquire(model);
        try
        {
            foreach (var piece in entry.Model.StreamChat(messages, options, finished)) yield return piece;
        }
        finally
        {
            Release(entry);
        }
    }

    /// <summary>
    /// Unloads and deletes what was unpacked for versions whose artifacts the registry no longer records (a consent
    /// withdrawal, a deleted twin): a cache must not outlive the erasure of what it was derived from. A model answering
    /// a request meanwhile is unloaded when it finishes.
    /// </summary>
    public void ForgetErased()
    {
        lock (gate)
        {
            foreach (var (key, entry) in loaded.ToList())
            {
                if (entry.UnpackedHash is not { } hash || registry.IsArtifactRecorded(hash)) continue;
                loaded.Remove(key);
                Retire(entry);
            }
            if (!Directory.Exists(cacheDirectory)) return;
            foreach (var directory in Directory.EnumerateDirectories(cacheDirectory))
                if (!registry.IsArtifactRecorded(Path.GetFileName(directory))) Directory.Delete(directory, recursive: true);
        }
    }

    Entry Acquire(ResolvedModel model)
    {
        var (key, unpack) = model.Version is { } version
            ? version.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.Adapter) is { } adapter
                ? ($"{model.Base.Id}+{adapter.ContentHash}", adapter)
                : ($"full:{VersionTrainer.ArtifactOf(version, ArtifactReference.MergedModel)}",
                    version.Artifacts.First(a => a.Kind == ArtifactReference.MergedModel))
            : ($"base:{model.Base.Id}", null);
        lock (gate)
        {
            if (!loaded.TryGetValue(key, out var entry))
            {
                entry = Load(model, unpack);
                loaded[key] = entry;
            }
            entry.Users++;
            entry.LastUsed = ++clock;
            EvictBeyondCapacity();
            return entry;
        }
    }

    void Release(Entry entry)
    {
        lock (gate)
        {
            entry.Users--;
            if (entry.Retired && entry.Users == 0) entry.Model.Dispose();
        }
    }

    Entry Load(ResolvedModel model, ArtifactReference? unpack)
    {
        var basePath = BaseModels.RequireUnchanged(model.Base);
        if (unpack is null) return new Entry(PretrainedModel.Load(basePath), null);
        var directory = Unpacked(unpack.ContentHash);
        if (unpack.Kind == ArtifactReference.MergedModel) return new Entry(PretrainedModel.Load(directory), unpack.ContentHash);
        var pretrained = PretrainedModel.Load(basePath);
        try
        {
            PeftAdapter.Load(pretrained.Network, directory);
        }
        catch
        {
            pretrained.Dispose();
            throw;
        }
        return new Entry(pretrained, unpack.ContentHash);
    }

    /// <summary>The artifact unpacked under the cache, once: into a temporary sibling, then renamed, so a half-written copy is never used.</summary>
    string Unpacked(string contentHash)
    {
        var directory = Path.Combine(cacheDirectory, contentHash);
        if (Directory.Exists(directory)) return directory;
        Directory.CreateDirectory(cacheDirectory);
        var partial = directory + ".partial-" + Guid.NewGuid().ToString("N");
        new RecordedArtifacts(registry, store).ExtractDirectory(contentHash, partial);
        Directory.Move(partial, directory);
        return directory;
    }

    void EvictBeyondCapacity()
    {
        foreach (var (key, entry) in loaded.Where(pair => pair.Value.Users == 0).OrderBy(pair => pair.Value.LastUsed).ToList())
        {
            if (loaded.Count <= capacity) break;
            loaded.Remove(key);
            Retire(entry);
        }
    }

    static void Retire(Entry entry)
    {
        entry.Retired = true;
        if (entry.Users == 0) entry.Model.Dispose();
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var entry in loaded.Values) Retire(entry);
            loaded.Clear();
        }
    }
}
