using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

public sealed class PretrainingMixtureTests
{
    static CorpusSourceSummary Source(string name, int documents) =>
        new(name, name, "licence", [], documents, 0, 0, 0, documents, documents * 10, 0, 0);

    static readonly List<string> Training = [.. Enumerable.Range(0, 3).Select(i => $"a{i}"), .. Enumerable.Range(0, 8).Select(i => $"b{i}"), "c0", "c1"];
    static readonly List<CorpusSourceSummary> Sources = [Source("a", 3), Source("b", 8), Source("c", 2)];

    [Fact]
    public void Whole_weights_repeat_a_source_fractions_keep_an_even_share_and_unnamed_sources_are_left_out()
    {
        var mixture = new PretrainingMixture(new Dictionary<string, double> { ["a"] = 2, ["b"] = 0.25 });

        var mixed = mixture.Mix(Training, Sources);

        Assert.Equal(["a0", "a0", "a1", "a1", "a2", "a2", "b3", "b7"], mixed.Order(StringComparer.Ordinal));
        Assert.NotEqual(mixed.Order(StringComparer.Ordinal), mixed); // shuffled
        Assert.Equal(mixed, mixture.Mix(Training, Sources));        // the same every time
    }

    [Fact]
    public void A_training_file_that_does_not_match_its_manifest_is_refused_naming_it()
    {
        var mixture = new PretrainingMixture(new Dictionary<string, double> { ["a"] = 1 });
        var error = Assert.Throws<InvalidDataException>(() => mixture.Mix(Training.Skip(1).ToList(), Sources, "english-v1-train.txt"));
        Assert.Contains("english-v1-train.txt: holds 12 documents where its manifest's sources count 13", error.Message);
        Assert.Throws<InvalidDataException>(() => new PretrainingMixture(new Dictionary<string, double> { ["nope"] = 1 }).Mix(Training, Sources));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PretrainingMixture(new Dictionary<string, double> { ["a"] = -1 }));
    }

    [Fact]
    public void The_key_names_the_weights_whatever_their_order()
    {
        var one = new PretrainingMixture(new Dictionary<string, double> { ["a"] = 2, ["b"] = 0.25 });
        var same = new PretrainingMixture(new Dictionary<string, double> { ["b"] = 0.25, ["a"] = 2 });
        var other = new PretrainingMixture(new Dictionary<string, double> { ["a"] = 2, ["b"] = 0.5 });
        Assert.Equal(one.Key, same.Key);
        Assert.NotEqual(one.Key, other.Key);
        Assert.Matches("^mix-[0-9a-f]{8}$", one.Key);
    }
}
