namespace Twinforge.Twins.Fidelity;

/// <summary>
/// An authorship judge that shares nothing with a twin's training but its text: texts are cut into chunks of about
/// the length of an answer, each chunk measured by <see cref="StyleFeatures"/> (function-word and character n-gram
/// rates), the features turned into z-scores over the training pool, and each author's style taken as the mean of
/// their chunks' z-scores. A text is attributed to the author whose style is nearest by Burrows' Delta or Cosine
/// Delta (<see cref="DeltaMeasure"/>). The classic, transparent baselines of stylometry: no neural network that
/// might share a twin's blind spots.
/// </summary>
/// <example><code>
/// var (judge, accuracy) = StylometricJudge.TrainBest(training, heldOut, creator: "alice");
/// double share = judge.ShareAttributedTo("alice", twinAnswers);   // beside accuracy.CreatorRecall, the ceiling
/// </code></example>
public sealed class StylometricJudge
{
    readonly StyleFeatures features;
    readonly double[] mean, deviation;
    readonly Dictionary<string, double[]> styles;

    StylometricJudge(StyleFeatures features, double[] mean, double[] deviation, Dictionary<string, double[]> styles, DeltaMeasure measure, StylometryOptions options)
    {
        (this.features, this.mean, this.deviation, this.styles, Measure, Options) = (features, mean, deviation, styles, measure, options);
    }

    public DeltaMeasure Measure { get; }

    public StylometryOptions Options { get; }

    /// <summary>The authors the judge knows, in the training's order.</summary>
    public IReadOnlyList<string> Authors => styles.Keys.ToList();

    /// <summary>Learns the features and every author's style from their texts (each author needs at least one chunk).</summary>
    /// <param name="training">Per author, their training texts (documents, messages, answers).</param>
    public static StylometricJudge Train(IReadOnlyDictionary<string, IReadOnlyList<string>> training, DeltaMeasure measure = DeltaMeasure.Cosine,
        StylometryOptions? options = null)
    {
        options ??= new StylometryOptions();
        if (training.Count < 2) throw new ArgumentException("a judge needs at least two authors to tell apart", nameof(training));
        var chunks = training.ToDictionary(author => author.Key, author => Spread(Chunks(author.Value, options.ChunkWords), options.MaxChunksPerAuthor));
        foreach (var (author, authorChunks) in chunks)
            if (authorChunks.Count == 0) throw new ArgumentException($"author '{author}' has no text to learn a style from", nameof(training));

        var features = StyleFeatures.Learn(chunks.Values.SelectMany(list => list), FunctionWords.English, options.CharacterNgrams, options.NgramLength);
        var vectors = chunks.ToDictionary(pair => pair.Key, pair => pair.Value.Select(features.Measure).ToList());
        // z-scores over the pool with every author weighing the same, however much text each brought.
        var authorMeans = vectors.Values.Select(list => MeanOf(list, features.Count)).ToList();
        var mean = MeanOf(authorMeans, features.Count);
        var deviation = new double[features.Count];
        foreach (var list in vectors.Values)
        {
            var variance = new double[features.Count];
            foreach (var vector in list)
                for (int f = 0; f < features.Count; f++) variance[f] += (vector[f] - mean[f]) * (vector[f] - mean[f]) / list.Count;
            for (int f = 0; f < features.Count; f++) deviation[f] += variance[f] / vectors.Count;
        }
        for (int f = 0; f < features.Count; f++) deviation[f] = Math.Sqrt(deviation[f]);

        var judge = new StylometricJudge(features, mean, deviation, [], measure, options);
        foreach (var (author, list) in vectors) judge.styles[author] = MeanOf(list.Select(judge.ZScores).ToList(), features.Count);
        return judge;
    }

    /// <summary>
    /// Trains a judge with each <see cref="DeltaMeasure"/>, scores both on held-out human text, and keeps the one with
    /// the better balanced accuracy on the creator-or-not decision (Cosine on a tie).
    /// </summary>
    public static (StylometricJudge Judge, JudgeAccuracy Accuracy) TrainBest(IReadOnlyDictionary<string, IReadOnlyList<string>> training,
        IReadOnlyDictionary<string, IReadOnlyList<string>> heldOut, string creator, StylometryOptions? options = null)
    {
        var cosine = Train(training, DeltaMeasure.Cosine, options);
        var cosineAccuracy = cosine.Evaluate(heldOut, creator);
        var burrows = cosine.WithMeasure(DeltaMeasure.Burrows);
        var burrowsAccuracy = burrows.Evaluate(heldOut, creator);
        return burrowsAccuracy.BalancedAccuracy > cosineAccuracy.BalancedAccuracy ? (burrows, burrowsAccuracy) : (cosine, cosineAccuracy);
    }

    /// <summary>The same features and styles, measured another way.</summary>
    public StylometricJudge WithMeasure(DeltaMeasure measure) => new(features, mean, deviation, styles, measure, Options);

    /// <summary>The author whose style is nearest to the text's.</summary>
    public string Attribute(string text) => Distances(text).MinBy(pair => pair.Value).Key;

    /// <summary>The distance from the text's style to each author's (smaller is nearer).</summary>
    public IReadOnlyDictionary<string, double> Distances(string text)
    {
        var z = ZScores(features.Measure(text));
        return styles.ToDictionary(pair => pair.Key, pair => Distance(z, pair.Value));
    }

    /// <summary>The share of <paramref name="texts"/> attributed to <paramref name="author"/> (0 for no texts).</summary>
    public double ShareAttributedTo(string author, IEnumerable<string> texts)
    {
        if (!styles.ContainsKey(author)) throw new ArgumentException($"the judge does not know the author '{author}'", nameof(author));
        int total = 0, attributed = 0;
        foreach (var text in texts)
        {
            total++;
            if (Attribute(text) == author) attributed++;
        }
        return total == 0 ? 0 : (double)attributed / total;
    }

    /// <summary>
    /// How well the judge tells <paramref name="creator"/> from the others on held-out human text, cut into chunks as
    /// in training: the creator's chunks attributed to the creator (recall), the others' chunks not attributed to the
    /// creator, their mean (balanced accuracy), and the share of all chunks attributed to their true author.
    /// </summary>
    public JudgeAccuracy Evaluate(IReadOnlyDictionary<string, IReadOnlyList<string>> heldOut, string creator)
    {
        if (!heldOut.ContainsKey(creator)) throw new ArgumentException($"no held-out text of the creator '{creator}'", nameof(heldOut));
        int creatorChunks = 0, creatorHits = 0, otherChunks = 0, othersRejected = 0, correct = 0;
        foreach (var (author, texts) in heldOut)
        {
            foreach (var chunk in Spread(Chunks(texts, Options.ChunkWords), Options.MaxChunksPerAuthor))
            {
                var attributed = Attribute(chunk);
                if (attributed == author) correct++;
                if (author == creator)
                {
                    creatorChunks++;
                    if (attributed == creator) creatorHits++;
                }
                else
                {
                    otherChunks++;
                    if (attributed != creator) othersRejected++;
                }
            }
        }
        double recall = creatorChunks == 0 ? 0 : (double)creatorHits / creatorChunks;
        double rejected = otherChunks == 0 ? 0 : (double)othersRejected / otherChunks;
        return new JudgeAccuracy(Measure, recall, rejected, (recall + rejected) / 2, (double)correct / Math.Max(1, creatorChunks + otherChunks),
            creatorChunks, otherChunks);
    }

    /// <summary>
    /// Texts joined in order and cut into chunks of <paramref name="words"/> words (a text longer than that gives
    /// several; shorter ones are joined); a last piece under half a chunk is dropped.
    /// </summary>
    public static List<string> Chunks(IEnumerable<string> texts, int words)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        var chunks = new List<string>();
        var current = new List<string>();
        foreach (var text in texts)
        foreach (var token in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            current.Add(token);
            if (current.Count == words)
            {
                chunks.Add(string.Join(' ', current));
                current.Clear();
            }
        }
        if (current.Count * 2 >= words) chunks.Add(string.Join(' ', current));
        return chunks;
    }

    static List<string> Spread(List<string> chunks, int most) => EvenSpread.Of(chunks, most).ToList();

    double[] ZScores(double[] vector)
    {
        var z = new double[vector.Length];
        for (int f = 0; f < vector.Length; f++) z[f] = deviation[f] > 1e-12 ? (vector[f] - mean[f]) / deviation[f] : 0;
        return z;
    }

    double Distance(double[] a, double[] b)
    {
        if (Measure == DeltaMeasure.Burrows)
        {
            double sum = 0;
            for (int f = 0; f < a.Length; f++) sum += Math.Abs(a[f] - b[f]);
            return sum / a.Length;
        }
        double dot = 0, aa = 0, bb = 0;
        for (int f = 0; f < a.Length; f++)
        {
            dot += a[f] * b[f];
            aa += a[f] * a[f];
            bb += b[f] * b[f];
        }
        return aa == 0 || bb == 0 ? 1 : 1 - dot / Math.Sqrt(aa * bb);
    }

    static double[] MeanOf(IReadOnlyList<double[]> vectors, int count)
    {
        var mean = new double[count];
        foreach (var vector in vectors)
            for (int f = 0; f < count; f++) mean[f] += vector[f] / vectors.Count;
        return mean;
    }
}

/// <summary>How a <see cref="StylometricJudge"/> is trained: chunk length, character n-grams, chunks per author.</summary>
/// <param name="ChunkWords">Words per chunk: about a twin's answer, the length the judge will be asked about.</param>
/// <param name="CharacterNgrams">The most frequent character n-grams of the pool used as features, beside the function words.</param>
/// <param name="NgramLength">Characters per n-gram.</param>
/// <param name="MaxChunksPerAuthor">At most this many chunks per author, evenly spread over their text (bounds the work for long books).</param>
public sealed record StylometryOptions(int ChunkWords = 40, int CharacterNgrams = 300, int NgramLength = 3, int MaxChunksPerAuthor = 2000);

/// <summary>A judge's accuracy on held-out human text (see <see cref="StylometricJudge.Evaluate"/>).</summary>
/// <param name="CreatorRecall">The creator's held-out chunks attributed to the creator: the ceiling a twin is compared with.</param>
/// <param name="OthersRejected">Other authors' held-out chunks not attributed to the creator.</param>
/// <param name="BalancedAccuracy">The mean of the two: 0.5 is chance for the creator-or-not decision.</param>
/// <param name="Accuracy">Chunks attributed to their true author, every author counted.</param>
public sealed record JudgeAccuracy(DeltaMeasure Measure, double CreatorRecall, double OthersRejected, double BalancedAccuracy, double Accuracy,
    int CreatorChunks, int OtherChunks);
