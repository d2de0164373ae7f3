namespace Twinforge.Engine.Data;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator (the one that seeds xoshiro): a fixed, documented sequence for a
/// seed, so splits and batch orders never change with the .NET version, as <see cref="Random"/>'s may. Streams are
/// derived from (seed, purpose, epoch, index) by hashing, never by carrying generator state, which is what lets a
/// run resume exactly at any batch.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias (values below 2^64 mod bound are redrawn).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        ulong range = (ulong)bound;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong value = NextUInt64();
            if (value >= threshold) return (int)(value % range);
        }
    }

    /// <summary>0 … count−1 in a random order (Fisher–Yates).</summary>
    public int[] Permutation(int count)
    {
        var items = new int[count];
        for (int i = 0; i < count; i++) items[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }

    /// <summary>A generator for one purpose, e.g. <c>Derive(seed, BatchOrder, epoch)</c>.</summary>
    public static SplitMix64 Derive(long seed, params ReadOnlySpan<long> parts)
    {
        ulong hash = Mix((ulong)seed);
        foreach (long part in parts) hash = Mix(hash ^ Mix((ulong)part + 0x9E3779B97F4A7C15UL));
        return new SplitMix64(hash);
    }

    /// <summary>
    /// The generator's output number <paramref name="index"/> (from 0) for a seed, without stepping through the ones
    /// before it: SplitMix64's state after n steps is seed + n·γ, so any output can be read directly.
    /// </summary>
    public static ulong OutputAt(ulong seed, ulong index) => Mix(seed + (index + 1) * 0x9E3779B97F4A7C15UL);

    /// <summary>SplitMix64's output function (a variant of MurmurHash3's 64-bit finaliser).</summary>
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
