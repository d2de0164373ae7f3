using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Keys and values of past positions for incremental decoding. Storage for <see cref="Capacity"/> positions is
/// allocated once per layer, (B, kv heads, capacity, head dim), and new positions are copied into it: decoding a
/// token allocates no new cache memory.
/// </summary>
internal sealed class KeyValueCache : IDisposable
{
    readonly Tensor[] keys;
    readonly Tensor[] values;

    public KeyValueCache(TransformerConfig config, long batchSize, int capacity, ScalarType dtype, Device? device = null)
    {
        if (capacity > config.MaxPositions && config.Family == ModelFamily.Gpt2)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"GPT-2 models have {config.MaxPositions} positions at most");
        Capacity = capacity;
        BatchSize = batchSize;
        keys = new Tensor[config.LayerCount];
        values = new Tensor[config.LayerCount];
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            keys[layer] = zeros([batchSize, config.KeyValueHeadCount, capacity, config.HeadDimension], dtype, device);
            values[layer] = zeros([batchSize, config.KeyValueHeadCount, capacity, config.HeadDimension], dtype, device);
        }
    }

    /// <summary>Positions already stored (the next token's position).</summary>
    public int Length { get; private set; }

    public int Capacity { get; }

    public long BatchSize { get; }

    /// <summary>
    /// Stores (B, kv heads, T, d) keys and values for one layer at positions [Length, Length + T) and returns views
    /// of everything stored for that layer, positions [0, Length + T). Call <see cref="Advance"/> once all layers
    /// have stored their T positions.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Store(int layer, Tensor newKeys, Tensor newValues)
    {
        int stored = Write(layer, newKeys, newValues);
        return (keys[layer].narrow(2, 0, stored), values[layer].narrow(2, 0, stored));
    }

    /// <summary>
    /// Stores one layer's new keys and values as <see cref="Store"/> does and returns how many positions that layer
    /// now holds, for code that reads <see cref="KeyStorage"/> and <see cref="ValueStorage"/> directly.
    /// </summary>
    internal int Write(int layer, Tensor newKeys, Tensor newValues)
    {
        long count = newKeys.shape[2];
        if (Length + count > Capacity)
            throw new InvalidOperationException($"the key/value cache holds {Capacity} positions; {Length + count} were needed");
        using (var keySlot = keys[layer].narrow(2, Length, count)) keySlot.copy_(newKeys);
        using (var valueSlot = values[layer].narrow(2, Length, count)) valueSlot.copy_(newValues);
        return Length + (int)count;
    }

    /// <summary>One layer's whole key storage, (B, kv heads, capacity, d), contiguous; owned by the cache.</summary>
    internal Tensor KeyStorage(int layer) => keys[layer];

    /// <summary>One layer's whole value storage, (B, kv heads, capacity, d), contiguous; owned by the cache.</summary>
    internal Tensor ValueStorage(int layer) => values[layer];

    internal void Advance(int count) => Length += count;

    /// <summary>Forgets everything stored (the memory is kept for reuse).</summary>
    public void Reset() => Length = 0;

    public void Dispose()
    {
        foreach (var tensor in keys.Concat(values)) tensor.Dispose();
    }
}
