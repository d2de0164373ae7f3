using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Serving;

/// <summary>
/// Loaded adapters of one base model, by key (a twin's id), bounded by their bytes: a miss loads through the given
/// function, and when the total passes the bound the least recently used adapters that no stream is using are
/// disposed. Thread-safe.
/// </summary>
/// <remarks>
/// <para>Pinning: <see cref="Acquire"/> returns a lease, and an adapter with a live lease is never evicted — a running
/// stream reads its factors every step. When every loaded adapter is leased the cache lets itself exceed the bound
/// rather than make a request wait: a wait could only end when some stream finishes, and the overshoot is bounded by
/// the adapters of the streams running at once (a batcher admits a bounded number). The bound is restored as leases
/// end.</para>
/// <para>Loading runs on the acquiring thread, outside the cache's lock, so a cold load (reading a file) stalls
/// neither the other acquirers nor a batch loop; two acquirers of the same missing key share one load.</para>
/// </remarks>
/// <example><code>
/// using var cache = new AdapterCache(capacityBytes: 512L &lt;&lt; 20, twin => AdapterWeights.Load(model, DirectoryOf(twin), dtype));
/// using var lease = cache.Acquire("ada");   // pinned until disposed
/// </code></example>
public sealed class AdapterCache : IDisposable
{
    readonly Func<string, AdapterWeights> load;
    readonly object gate = new();
    readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    // Least recently used first; an entry's node moves to the end on every acquire.
    readonly LinkedList<Entry> recency = new();
    long bytes;
    bool disposed;

    public AdapterCache(long capacityBytes, Func<string, AdapterWeights> load)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        ArgumentNullException.ThrowIfNull(load);
        CapacityBytes = capacityBytes;
        this.load = load;
    }

    /// <summary>The bound on loaded bytes (exceeded only while every adapter over it is leased).</summary>
    public long CapacityBytes { get; }

    /// <summary>Bytes of the adapters loaded now.</summary>
    public long Bytes
    {
        get { lock (gate) return bytes; }
    }

    /// <summary>Keys of the adapters loaded now, least recently used first.</summary>
    public IReadOnlyList<string> LoadedKeys
    {
        get { lock (gate) return recency.Where(entry => entry.Weights is not null).Select(entry => entry.Key).ToList(); }
    }

    /// <summary>Adapters loaded from their files so far (misses), for figures and tests.</summary>
    public int Loads { get; private set; }

    /// <summary>The adapter of <paramref name="key"/>, loaded if it is not, pinned until the lease is disposed.</summary>
    /// <exception cref="Exception">Whatever loading throws (a missing or invalid adapter); nothing is cached then.</exception>
    public AdapterLease Acquire(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Entry entry;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!entries.TryGetValue(key, out entry!))
            {
                entry = new Entry(key, LoadEntry);
                entries[key] = entry;
                entry.Node = recency.AddLast(entry);
            }
            else
            {
                recency.Remove(entry.Node!);
                recency.AddLast(entry.Node!);
            }
            entry.Leases++; // pinned from here, so no eviction takes it while it loads
        }
        try
        {
            var weights = entry.Loaded.Value;
            return new AdapterLease(weights, () => Release(entry));
        }
        catch
        {
            lock (gate)
            {
                entry.Leases--;
                // A failed load is not cached: the next acquirer tries again (the file may have been fixed).
                if (entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry) && entry.Weights is null)
                {
                    entries.Remove(key);
                    recency.Remove(entry.Node!);
                }
            }
            throw;
        }
    }

    AdapterWeights LoadEntry(Entry entry)
    {
        var weights = load(entry.Key);
        lock (gate)
        {
            entry.Weights = weights;
            Loads++;
            if (entry.Forgotten) return weights; // forgotten while it loaded: not counted, disposed with its last lease
            bytes += weights.Bytes;
            EvictOverBound();
        }
        return weights;
    }

    void Release(Entry entry)
    {
        lock (gate)
        {
            entry.Leases--;
            if ((disposed || entry.Forgotten) && entry.Leases == 0)
            {
                entry.Weights?.Dispose();
                entry.Weights = null;
            }
            else EvictOverBound();
        }
    }

    /// <summary>
    /// Drops the adapters whose keys match <paramref name="erased"/> (an erased twin's): unleased ones are disposed
    /// now, leased ones when their last lease ends, and a later acquire of such a key loads it afresh.
    /// </summary>
    /// <returns>How many adapters were dropped.</returns>
    public int Forget(Func<string, bool> erased)
    {
        ArgumentNullException.ThrowIfNull(erased);
        lock (gate)
        {
            var dropped = entries.Values.Where(entry => erased(entry.Key)).ToList();
            foreach (var entry in dropped)
            {
                entries.Remove(entry.Key);
                recency.Remove(entry.Node!);
                entry.Forgotten = true;
                if (entry.Weights is null) continue; // still loading: LoadEntry leaves it uncounted
                bytes -= entry.Weights.Bytes;
                if (entry.Leases > 0) continue;
                entry.Weights.Dispose();
                entry.Weights = null;
            }
            return dropped.Count;
        }
    }

    /// <summary>Disposes unleased adapters, least recently used first, while the total is over the bound.</summary>
    void EvictOverBound()
    {
        for (var node = recency.First; node is not null && bytes > CapacityBytes;)
        {
            var next = node.Next;
            var entry = node.Value;
            if (entry.Leases == 0 && entry.Weights is not null)
            {
                recency.Remove(node);
                entries.Remove(entry.Key);
                bytes -= entry.Weights.Bytes;
                entry.Weights.Dispose();
                entry.Weights = null;
            }
            node = next;
        }
    }

    /// <summary>Disposes every adapter no stream is using; leased ones are disposed when their lease ends.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            foreach (var entry in entries.Values.Where(entry => entry.Leases == 0)) entry.Weights?.Dispose();
            entries.Clear();
            recency.Clear();
            bytes = 0;
        }
    }

    sealed class Entry
    {
        public Entry(string key, Func<Entry, AdapterWeights> load)
        {
            Key = key;
            // One load per entry, shared by concurrent acquirers; a failure is rethrown to each and the entry dropped.
            Loaded = new Lazy<AdapterWeights>(() => load(this), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public string Key { get; }
        public Lazy<AdapterWeights> Loaded { get; }
        public AdapterWeights? Weights { get; set; }
        public int Leases { get; set; }
        public LinkedListNode<Entry>? Node { get; set; }

        /// <summary>Dropped by <see cref="Forget"/>: no longer in the cache, disposed once unleased.</summary>
        public bool Forgotten { get; set; }
    }
}
