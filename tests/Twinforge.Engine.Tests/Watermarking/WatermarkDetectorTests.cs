using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Watermarking;

namespace Twinforge.Engine.Tests.Watermarking;

public sealed class WatermarkDetectorTests
{
    static readonly WatermarkSettings Settings = new(new WatermarkKey("org-a", Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray()));

    /// <summary>
    /// 101 ids (100 scored pairs, all different) of which exactly <paramref name="greenCount"/> follow their
    /// predecessor as green: each next id is the first unused one of the wanted colour.
    /// </summary>
    static List<int> TextWithGreen(int greenCount, int length = 101)
    {
        var greenList = new GreenList(Settings);
        var ids = new List<int> { 1 };
        var used = new HashSet<int> { 1 };
        for (int position = 1; position < length; position++)
        {
            bool wantGreen = position <= greenCount;
            int next = Enumerable.Range(0, 100_000).First(id => !used.Contains(id) && greenList.Contains(ids[^1], id) == wantGreen);
            ids.Add(next);
            used.Add(next);
        }
        return ids;
    }

    [Fact]
    public void Z_and_p_match_a_hand_computation()
    {
        // T = 100, γ = 0.25, 40 green: z = (40 − 25) / √(100 · 0.25 · 0.75) = 15 / √18.75 = 3.46410161513775;
        // p = P(Z ≥ z) = 2.6600275256962515e-4 (Python: 0.5 * math.erfc(z / math.sqrt(2))).
        var detection = WatermarkDetector.Detect(TextWithGreen(40), Settings);
        Assert.Equal(100, detection.ScoredTokens);
        Assert.Equal(40, detection.GreenTokens);
        Assert.Equal(3.4641016151377544, detection.ZScore, 12);
        Assert.Equal(2.6600275256962515e-4, detection.PValue, 15);
        Assert.False(detection.Detected);
        Assert.Contains("low entropy", detection.Note);
        Assert.True(WatermarkDetector.Detect(TextWithGreen(40), Settings, zThreshold: 3).Detected);
    }

    [Fact]
    public void Repeated_pairs_are_scored_once()
    {
        var phrase = TextWithGreen(30, length: 31);                        // 30 scored pairs, all green
        var repeated = Enumerable.Repeat(phrase, 10).SelectMany(ids => ids).ToList();
        var once = WatermarkDetector.Detect(phrase, Settings);
        var tenTimes = WatermarkDetector.Detect(repeated, Settings);
        // Ten copies add only the pair that joins one copy to the next.
        Assert.Equal(once.ScoredTokens + 1, tenTimes.ScoredTokens);
        Assert.Contains("repeat an earlier", tenTimes.Note);
    }

    [Fact]
    public void A_short_text_gets_a_note_and_an_empty_one_scores_nothing()
    {
        var detection = WatermarkDetector.Detect(TextWithGreen(10, length: 11), Settings);
        Assert.Equal(10, detection.ScoredTokens);
        Assert.Contains("too short", detection.Note);

        var empty = WatermarkDetector.Detect([], Settings);
        Assert.Equal((0, 0, 0.0, 0.5, false), (empty.ScoredTokens, empty.GreenTokens, empty.ZScore, empty.PValue, empty.Detected));
    }

    [Fact]
    public void Human_text_is_not_detected()
    {
        var tokenizer = new ByteLevelTokenizer();
        const string text =
            "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, " +
            "it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of " +
            "Darkness, it was the spring of hope, it was the winter of despair, we had everything before us, we had nothing " +
            "before us, we were all going direct to Heaven, we were all going direct the other way.";
        var detection = WatermarkDetector.Detect(tokenizer, text, Settings);
        Assert.True(detection.ScoredTokens > 100);
        Assert.False(detection.Detected, $"z = {detection.ZScore}");
        Assert.InRange(detection.ZScore, -4, 4);
    }
}
