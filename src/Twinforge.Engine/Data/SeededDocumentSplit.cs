namespace Twinforge.Engine.Data;

/// <summary>
/// Which documents are trained on and which are held out for validation. Whole documents move (a conversation is
/// never cut in two), chosen by a seeded shuffle: the same seed and document count always give the same split.
/// </summary>
/// <example><code>var split = SeededDocumentSplit.ByDocument(documentCount: 50, fraction: 0.1, seed: 7); // 45 train, 5 held out</code></example>
public sealed class SeededDocumentSplit
{
    SeededDocumentSplit(int[] train, int[] validation)
    {
        Train = train;
        Validation = validation;
    }

    /// <summary>Documents trained on, ascending.</summary>
    public IReadOnlyList<int> Train { get; }

    /// <summary>Documents held out, ascending.</summary>
    public IReadOnlyList<int> Validation { get; }

    /// <summary>
    /// Holds out round(fraction × count) documents (halves away from zero), but at least one and at most count − 1.
    /// A fraction of 0 holds nothing out.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 documents with a fraction above 0: one side would be empty.</exception>
    public static SeededDocumentSplit ByDocument(int documentCount, double fraction, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documentCount);
        if (!(fraction >= 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the fraction must be in [0, 1)");
        if (fraction == 0) return new SeededDocumentSplit(Enumerable.Range(0, documentCount).ToArray(), []);
        if (documentCount < 2)
            throw new ArgumentException($"{documentCount} document(s) cannot be split into training and validation: at least 2 are needed", nameof(documentCount));

        int heldOut = Math.Clamp((int)Math.Round(fraction * documentCount, MidpointRounding.AwayFromZero), 1, documentCount - 1);
        var order = SplitMix64.Derive(seed, RandomStreams.SeededDocumentSplit, documentCount).Permutation(documentCount);
        var validation = order[..heldOut];
        var train = order[heldOut..];
        Array.Sort(validation);
        Array.Sort(train);
        return new SeededDocumentSplit(train, validation);
    }

    /// <summary>
    /// Holds out fold <see cref="DataFold.Index"/> of <see cref="DataFold.Count"/>: the documents at every k-th place of
    /// the same seeded order <see cref="ByDocument"/> draws from, so the folds are disjoint, cover every document once,
    /// and differ in size by at most one.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer documents than folds: a fold would be empty.</exception>
    public static SeededDocumentSplit ByFold(int documentCount, DataFold fold, long seed)
    {
        ArgumentNullException.ThrowIfNull(fold);
        if (fold.Count < 2 || fold.Index < 0 || fold.Index >= fold.Count)
            throw new ArgumentOutOfRangeException(nameof(fold), fold, "a fold is one of at least 2, numbered from 0");
        if (documentCount < fold.Count)
            throw new ArgumentException($"{documentCount} document(s) cannot make {fold.Count} folds: every fold needs one", nameof(documentCount));
        var order = SplitMix64.Derive(seed, RandomStreams.SeededDocumentSplit, documentCount).Permutation(documentCount);
        var validation = order.Where((_, place) => place % fold.Count == fold.Index).ToArray();
        var train = order.Where((_, place) => place % fold.Count != fold.Index).ToArray();
        Array.Sort(validation);
        Array.Sort(train);
        return new SeededDocumentSplit(train, validation);
    }

    /// <summary>The examples of the training documents and of the held-out ones, each in their original order.</summary>
    public (List<TokenizedExample> Train, List<TokenizedExample> Validation) Apply(IReadOnlyList<TokenizedExample> examples)
    {
        var heldOut = Validation.ToHashSet();
        var train = new List<TokenizedExample>();
        var validation = new List<TokenizedExample>();
        foreach (var example in examples) (heldOut.Contains(example.Document) ? validation : train).Add(example);
        return (train, validation);
    }
}
