using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

public sealed class StylometricJudgeTests
{
    static readonly string[] Topics = ["server", "printer", "garden", "letter", "river", "budget", "window", "meeting", "horse", "ticket", "coffee", "report"];

    /// <summary>
    /// Sentences on shared topics in two styles: a formal writer of "the ... of ... which ... upon", a chatty one of
    /// "I ... you ... just ... so": what tells them apart is habit, not subject.
    /// </summary>
    static List<string> Author(bool formal, int sentences, int seed)
    {
        var random = new Random(seed);
        string[][] formalForms =
        [
            ["the", "{0}", "of", "the", "{1}", "which", "was", "upon", "the", "{2}"],
            ["it", "is", "the", "{0}", "upon", "which", "the", "{1}", "of", "the", "{2}", "must", "rest"],
            ["whereupon", "the", "{0}", "shall", "be", "the", "{1}", "of", "its", "{2}"],
        ];
        string[][] chattyForms =
        [
            ["i", "just", "think", "you", "know", "the", "{0}", "is", "so", "{1}"],
            ["so", "you", "got", "a", "{0}", "and", "i", "got", "a", "{1}", "right"],
            ["honestly", "i", "just", "like", "my", "{0}", "and", "your", "{1}", "too"],
        ];
        var forms = formal ? formalForms : chattyForms;
        return Enumerable.Range(0, sentences).Select(_ =>
        {
            var form = forms[random.Next(forms.Length)];
            return string.Join(' ', form.Select(word => word.StartsWith('{') ? Topics[random.Next(Topics.Length)] : word)) + ".";
        }).ToList();
    }

    static Dictionary<string, IReadOnlyList<string>> Authors(int seed, int sentences) => new()
    {
        ["formal"] = Author(formal: true, sentences, seed),
        ["chatty"] = Author(formal: false, sentences, seed + 1),
        ["mixed"] = Author(formal: true, sentences / 2, seed + 2).Concat(Author(formal: false, sentences / 2, seed + 3)).ToList(),
    };

    [Theory]
    [InlineData(DeltaMeasure.Cosine)]
    [InlineData(DeltaMeasure.Burrows)]
    public void Separates_two_known_authors_on_held_out_text_far_above_chance(DeltaMeasure measure)
    {
        var options = new StylometryOptions(ChunkWords: 30);
        var training = Authors(seed: 1, sentences: 400);
        var judge = StylometricJudge.Train(training, measure, options);
        var heldOut = new Dictionary<string, IReadOnlyList<string>>
        {
            ["formal"] = Author(formal: true, 100, seed: 50),
            ["chatty"] = Author(formal: false, 100, seed: 51),
        };

        var accuracy = judge.Evaluate(heldOut, creator: "formal");

        Assert.Equal(measure, accuracy.Measure);
        Assert.True(accuracy.BalancedAccuracy > 0.9, $"balanced accuracy {accuracy.BalancedAccuracy:F2}");
        Assert.True(accuracy.CreatorChunks > 10 && accuracy.OtherChunks > 10);
        Assert.Equal(1.0, judge.ShareAttributedTo("formal", Author(formal: true, 20, seed: 70).Chunk(3).Select(group => string.Join(' ', group))));
        Assert.Equal(0.0, judge.ShareAttributedTo("formal", Author(formal: false, 20, seed: 71).Chunk(3).Select(group => string.Join(' ', group))));
    }

    [Fact]
    public void Train_best_keeps_the_measure_that_judges_held_out_text_better_and_reports_its_accuracy()
    {
        var training = Authors(seed: 2, sentences: 300);
        var heldOut = new Dictionary<string, IReadOnlyList<string>> { ["chatty"] = Author(false, 80, 90), ["formal"] = Author(true, 80, 91) };

        var (judge, accuracy) = StylometricJudge.TrainBest(training, heldOut, "chatty", new StylometryOptions(ChunkWords: 30));

        var other = judge.WithMeasure(judge.Measure == DeltaMeasure.Cosine ? DeltaMeasure.Burrows : DeltaMeasure.Cosine).Evaluate(heldOut, "chatty");
        Assert.Equal(judge.Measure, accuracy.Measure);
        Assert.True(accuracy.BalancedAccuracy >= other.BalancedAccuracy);
        Assert.Equal(["formal", "chatty", "mixed"], judge.Authors);
    }

    [Fact]
    public void Distances_put_an_author_nearest_to_their_own_style()
    {
        var judge = StylometricJudge.Train(Authors(seed: 3, sentences: 200), options: new StylometryOptions(ChunkWords: 30));
        var distances = judge.Distances(string.Join(' ', Author(formal: false, 10, seed: 5)));
        Assert.True(distances["chatty"] < distances["formal"]);
        Assert.Equal("chatty", judge.Attribute(string.Join(' ', Author(formal: false, 10, seed: 6))));
    }

    [Fact]
    public void A_judge_needs_two_authors_with_text_and_names_the_one_without()
    {
        Assert.Throws<ArgumentException>(() => StylometricJudge.Train(new Dictionary<string, IReadOnlyList<string>> { ["one"] = ["some words here"] }));
        var error = Assert.Throws<ArgumentException>(() => StylometricJudge.Train(new Dictionary<string, IReadOnlyList<string>>
        {
            ["one"] = Author(true, 50, 1), ["silent"] = [],
        }));
        Assert.Contains("'silent'", error.Message);
        var judge = StylometricJudge.Train(Authors(seed: 4, sentences: 100));
        Assert.Throws<ArgumentException>(() => judge.ShareAttributedTo("nobody", ["text"]));
    }

    [Fact]
    public void Chunks_cut_joined_texts_into_equal_word_counts_and_drop_a_short_tail()
    {
        var chunks = StylometricJudge.Chunks(["one two three", "four five six seven", "eight"], words: 3);
        Assert.Equal(["one two three", "four five six", "seven eight"], chunks);
        Assert.Equal(["a b c d"], StylometricJudge.Chunks(["a b c d e"], words: 4)); // "e" is under half a chunk
    }

    [Fact]
    public void Words_are_lower_cased_letter_runs_keeping_inner_apostrophes()
    {
        Assert.Equal(["don't", "stop", "it's", "the", "bofh"], StyleFeatures.Words("Don't STOP -- it’s 'the' BOFH!").ToList());
    }
}
