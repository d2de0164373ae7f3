using System.Text;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The state of BPE training (see <see cref="BpeTrainer"/>): every distinct piece as a sequence of token ids with its
/// count, the count of every adjacent pair, which pieces hold each pair, and a max-heap of candidate pairs.
/// </summary>
internal sealed class PairMerger
{
    readonly int[][] _words;
    readonly int[] _lengths;
    readonly long[] _counts;
    readonly List<byte[]> _tokenBytes = new();
    readonly List<string> _tokenSymbols = new();
    readonly Dictionary<string, int> _idBySymbols = new(StringComparer.Ordinal);
    readonly Dictionary<long, long> _pairCounts = new();
    readonly Dictionary<long, List<int>> _pairWords = new();
    readonly PriorityQueue<long, Candidate> _queue;
    readonly Dictionary<long, long> _changes = new();

    /// <summary>A pair with the count it had when queued; most frequent first, then by the tokens' bytes.</summary>
    readonly record struct Candidate(long Count, int Left, int Right);

    public PairMerger(Dictionary<string, long> pieceCounts)
    {
        for (int value = 0; value < ByteLevelTokenizer.ByteCount; value++) AddToken([(byte)value]);
        _words = new int[pieceCounts.Count][];
        _lengths = new int[pieceCounts.Count];
        _counts = new long[pieceCounts.Count];
        int index = 0;
        foreach (var (piece, count) in pieceCounts)
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            _words[index] = Array.ConvertAll(bytes, value => (int)value);
            _lengths[index] = bytes.Length;
            _counts[index] = count;
            index++;
        }
        for (int word = 0; word < _words.Length; word++)
        {
            var symbols = _words[word];
            for (int i = 0; i + 1 < _lengths[word]; i++)
            {
                long pair = Pair(symbols[i], symbols[i + 1]);
                _pairCounts[pair] = _pairCounts.GetValueOrDefault(pair) + _counts[word];
                AddWord(pair, word);
            }
        }
        _queue = new PriorityQueue<long, Candidate>(_pairCounts.Count, Comparer<Candidate>.Create(Compare));
        foreach (var (pair, count) in _pairCounts) _queue.Enqueue(pair, new Candidate(count, Left(pair), Right(pair)));
    }

    /// <summary>Tokens so far: 256 bytes plus every distinct merged token.</summary>
    public int TokenCount => _tokenBytes.Count;

    /// <summary>A token in GPT-2's byte symbols, the form tokenizer.json stores ("Ġthe").</summary>
    public string Symbols(int id) => _tokenSymbols[id];

    /// <summary>
    /// Merges the most frequent pair everywhere it occurs, if it occurs at least <paramref name="minimumCount"/> times.
    /// </summary>
    public bool TryMergeMostFrequent(int minimumCount, out (int Left, int Right) merge)
    {
        merge = default;
        while (_queue.TryDequeue(out long pair, out var queued))
        {
            long current = _pairCounts.GetValueOrDefault(pair);
            if (current != queued.Count)
            {
                // Stale: the pair's count fell since it was queued. Requeue it at its count; a later entry may lead.
                if (current > 0) _queue.Enqueue(pair, queued with { Count = current });
                continue;
            }
            if (current < minimumCount) return false;
            merge = (Left(pair), Right(pair));
            Merge(pair);
            return true;
        }
        return false;
    }

    void Merge(long pair)
    {
        int left = Left(pair), right = Right(pair);
        var bytes = new byte[_tokenBytes[left].Length + _tokenBytes[right].Length];
        _tokenBytes[left].CopyTo(bytes, 0);
        _tokenBytes[right].CopyTo(bytes, _tokenBytes[left].Length);
        int merged = _idBySymbols.TryGetValue(_tokenSymbols[left] + _tokenSymbols[right], out int existing) ? existing : AddToken(bytes);

        var words = _pairWords[pair];
        _pairWords.Remove(pair);
        _changes.Clear();
        foreach (int word in words)
        {
            var symbols = _words[word];
            int length = _lengths[word];
            long count = _counts[word];
            if (!Contains(symbols, length, left, right)) continue; // listed for an occurrence merged away since
            for (int i = 0; i + 1 < length; i++) Change(Pair(symbols[i], symbols[i + 1]), -count);
            // Left to right, non-overlapping: "a a a" with (a, a) becomes "aa a", as BPE encoding applies the merge.
            int write = 0;
            for (int read = 0; read < length; read++)
            {
                if (read + 1 < length && symbols[read] == left && symbols[read + 1] == right)
                {
                    symbols[write++] = merged;
                    read++;
                }
                else symbols[write++] = symbols[read];
            }
            _lengths[word] = length = write;
            for (int i = 0; i + 1 < length; i++)
            {
                long after = Pair(symbols[i], symbols[i + 1]);
                Change(after, count);
                if (symbols[i] == merged || symbols[i + 1] == merged) AddWord(after, word);
            }
        }
        foreach (var (changed, delta) in _changes)
        {
            if (delta == 0) continue;
            long total = _pairCounts.GetValueOrDefault(changed) + delta;
            if (total > 0) _pairCounts[changed] = total;
            else _pairCounts.Remove(changed);
            // Only pairs with the new token grow; queue them at their count (fallen ones are requeued lazily).
            if (delta > 0) _queue.Enqueue(changed, new Candidate(total, Left(changed), Right(changed)));
        }
        _pairCounts.Remove(pair);
    }

    void Change(long pair, long delta) => _changes[pair] = _changes.GetValueOrDefault(pair) + delta;

    void AddWord(long pair, int word)
    {
        if (!_pairWords.TryGetValue(pair, out var words)) _pairWords[pair] = words = new List<int>();
        // Words are visited one at a time, so a repeat of the pair in the same word is always the last entry.
        if (words.Count == 0 || words[^1] != word) words.Add(word);
    }

    int AddToken(byte[] bytes)
    {
        var symbols = ByteLevelAlphabet.FromBytes(bytes);
        _tokenBytes.Add(bytes);
        _tokenSymbols.Add(symbols);
        _idBySymbols[symbols] = _tokenBytes.Count - 1;
        return _tokenBytes.Count - 1;
    }

    int Compare(Candidate a, Candidate b)
    {
        if (a.Count != b.Count) return b.Count.CompareTo(a.Count);
        int byLeft = _tokenBytes[a.Left].AsSpan().SequenceCompareTo(_tokenBytes[b.Left]);
        return byLeft != 0 ? byLeft : _tokenBytes[a.Right].AsSpan().SequenceCompareTo(_tokenBytes[b.Right]);
    }

    static bool Contains(int[] symbols, int length, int left, int right)
    {
        for (int i = 0; i + 1 < length; i++)
            if (symbols[i] == left && symbols[i + 1] == right) return true;
        return false;
    }

    static long Pair(int left, int right) => (long)left << 32 | (uint)right;

    static int Left(long pair) => (int)(pair >> 32);

    static int Right(long pair) => (int)pair;
}
