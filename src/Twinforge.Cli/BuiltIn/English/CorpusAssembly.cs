using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// From the sources' raw documents to the training and held-out documents: each is normalised
/// (<see cref="ProseNormalizer"/>), dropped if it is not prose or repeats one kept before (<see cref="DuplicateFilter"/>),
/// and held out by its text's hash (<see cref="HeldOutByHash"/>). Documents that must be held out whatever their hash
/// (today's base's held-out documents) are placed first: they are held out, kept even if short, and any later copy
/// of them is dropped as a duplicate, so no text of theirs reaches the training side.
/// </summary>
public sealed class CorpusAssembly
{
    readonly DuplicateFilter _duplicates = new();
    readonly Dictionary<string, SourceCounts> _counts = new(StringComparer.Ordinal);
    readonly HashSet<string> _forced = new(StringComparer.Ordinal);

    public List<string> Train { get; } = [];
    public List<string> HeldOut { get; } = [];

    /// <summary>Per source, in the order sources were first seen.</summary>
    public IReadOnlyList<SourceCounts> Counts => _counts.Values.ToList();

    /// <summary>Holds out <paramref name="documents"/> of <paramref name="source"/>; call before <see cref="Add"/>.</summary>
    public void AddHeldOut(string source, IEnumerable<string> documents)
    {
        var counts = CountsOf(source);
        foreach (var raw in documents)
        {
            var text = ProseNormalizer.Normalize(raw);
            if (text.Length == 0) continue;
            _forced.Add(text);
            if (_duplicates.Repeat(text, DuplicateFilter.Hash(text)) is not null) continue;
            counts.Read++;
            counts.ForcedHeldOut++;
            Place(text, heldOut: true, counts);
        }
    }

    /// <summary>Adds a source's documents (a document already held out by <see cref="AddHeldOut"/> is skipped, not counted twice).</summary>
    public void Add(string source, IEnumerable<string> documents, CancellationToken cancellationToken = default)
    {
        var counts = CountsOf(source);
        foreach (var raw in documents)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = ProseNormalizer.Normalize(raw);
            if (_forced.Contains(text)) continue;
            counts.Read++;
            if (ProseNormalizer.NotProse(text) is not null)
            {
                counts.NotProse++;
                continue;
            }
            var hash = DuplicateFilter.Hash(text);
            if (_duplicates.Repeat(text, hash) is { } repeat)
            {
                if (repeat == "exact") counts.ExactDuplicates++;
                else counts.NearDuplicates++;
                continue;
            }
            Place(text, HeldOutByHash.IsHeldOut(hash), counts);
        }
    }

    void Place(string text, bool heldOut, SourceCounts counts)
    {
        long bytes = Encoding.UTF8.GetByteCount(text);
        if (heldOut)
        {
            HeldOut.Add(text);
            counts.HeldOutDocuments++;
            counts.HeldOutBytes += bytes;
        }
        else
        {
            Train.Add(text);
            counts.TrainDocuments++;
            counts.TrainBytes += bytes;
        }
    }

    SourceCounts CountsOf(string source)
    {
        if (!_counts.TryGetValue(source, out var counts)) _counts[source] = counts = new SourceCounts(source);
        return counts;
    }

    /// <summary>What became of one source's documents.</summary>
    public sealed class SourceCounts(string source)
    {
        public string Source { get; } = source;
        public int Read { get; set; }
        public int NotProse { get; set; }
        public int ExactDuplicates { get; set; }
        public int NearDuplicates { get; set; }
        public int ForcedHeldOut { get; set; }
        public int TrainDocuments { get; set; }
        public long TrainBytes { get; set; }
        public int HeldOutDocuments { get; set; }
        public long HeldOutBytes { get; set; }
    }
}
