using System.Buffers.Binary;
using System.Security.Cryptography;
using Twinforge.Engine.Data;

namespace Twinforge.Engine.Watermarking;

/// <summary>
/// Which tokens are green after a given previous token, for one key and γ: the paper's "LeftHash" scheme with a
/// context of one token. A keyed hash of the previous token, HMAC-SHA256(secret, previous id), seeds a SplitMix64
/// stream whose output number <c>token</c> is a coin: the token is green when that output, as a fraction of 2^64,
/// is below γ. Nothing here touches torch's random generator, so generation and detection agree exactly.
/// </summary>
/// <remarks>
/// A coin per (previous, token) rather than an exact γ|V| subset (the paper draws a permutation): every token of
/// text written without the key is green with probability γ all the same, which is all the detector's test assumes,
/// and deciding one token needs neither the vocabulary size nor the whole list, so detection needs only the ids.
/// The green share of a vocabulary of V tokens is then γ ± √(γ(1−γ)/V). An instance caches what it computed and is
/// meant for one generation or one detection (not for several threads at once).
/// </remarks>
public sealed class GreenList(WatermarkSettings settings)
{
    /// <summary>Bounds the cache of whole lists: a generation over a 50k vocabulary keeps at most ~50 MB of them.</summary>
    const int MaxCachedLists = 512;

    static readonly byte[] Domain = "twinforge.watermark.v1:"u8.ToArray();

    readonly Dictionary<int, ulong> seeds = [];
    readonly Dictionary<(int Previous, int VocabularySize), long[]> lists = [];

    public WatermarkSettings Settings { get; } = settings;

    /// <summary>Whether <paramref name="token"/> is green when it follows <paramref name="previous"/>.</summary>
    public bool Contains(int previous, int token) => IsGreen(Seed(previous), token);

    /// <summary>The green ids among 0 … <paramref name="vocabularySize"/> − 1 after <paramref name="previous"/>, ascending.</summary>
    public long[] Members(int previous, int vocabularySize)
    {
        if (lists.TryGetValue((previous, vocabularySize), out var cached)) return cached;
        ulong seed = Seed(previous);
        var members = new List<long>((int)(vocabularySize * Settings.GreenFraction * 1.1) + 8);
        for (int token = 0; token < vocabularySize; token++)
            if (IsGreen(seed, token)) members.Add(token);
        var list = members.ToArray();
        if (lists.Count >= MaxCachedLists) lists.Clear();
        lists[(previous, vocabularySize)] = list;
        return list;
    }

    bool IsGreen(ulong seed, int token) =>
        (SplitMix64.OutputAt(seed, (ulong)token) >> 11) * (1.0 / (1UL << 53)) < Settings.GreenFraction;

    ulong Seed(int previous)
    {
        if (seeds.TryGetValue(previous, out var seed)) return seed;
        Span<byte> message = stackalloc byte[Domain.Length + sizeof(int)];
        Domain.CopyTo(message);
        BinaryPrimitives.WriteInt32LittleEndian(message[Domain.Length..], previous);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Settings.Key.Secret, message, hash);
        seed = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        seeds[previous] = seed;
        return seed;
    }
}
