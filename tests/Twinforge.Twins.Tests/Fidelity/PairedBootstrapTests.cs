using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

public sealed class PairedBootstrapTests
{
    /// <summary>Items of varied difficulty; the candidate differs from the reference by <paramref name="shift"/> plus small noise.</summary>
    static (List<double> Reference, List<double> Candidate) Synthetic(int items, double shift, int seed)
    {
        var random = new Random(seed);
        var reference = Enumerable.Range(0, items).Select(_ => 2 + 1.5 * random.NextDouble()).ToList();
        var candidate = reference.Select(loss => loss + shift + 0.1 * (random.NextDouble() - 0.5)).ToList();
        return (reference, candidate);
    }

    [Fact]
    public void The_interval_covers_the_true_difference_in_most_synthetic_cases()
    {
        int covered = 0;
        const int Trials = 200;
        for (int trial = 0; trial < Trials; trial++)
        {
            var (reference, candidate) = Synthetic(items: 60, shift: -0.04, seed: trial);
            var difference = PairedBootstrap.Compare(reference, candidate, resamples: 500, seed: trial);
            if (difference.Lower <= -0.04 && -0.04 <= difference.Upper) covered++;
        }
        // A 95% interval: about 190 of 200; the bootstrap percentile interval runs a little narrow on 60 items.
        Assert.InRange(covered, 176, 200);
    }

    [Fact]
    public void A_real_improvement_is_judged_lower_and_said_in_words()
    {
        var (reference, candidate) = Synthetic(items: 80, shift: -0.05, seed: 7);
        var difference = PairedBootstrap.Compare(reference, candidate);
        Assert.Equal(LossVerdict.Lower, difference.Verdict);
        Assert.InRange(difference.Mean, -0.06, -0.04);
        Assert.StartsWith("held-out loss 0.0", difference.Describe());
        Assert.Contains("lower (95% interval", difference.Describe());
        Assert.Equal(LossVerdict.Higher, PairedBootstrap.Compare(candidate, reference).Verdict);
    }

    [Fact]
    public void The_same_model_against_itself_is_no_difference()
    {
        var (reference, _) = Synthetic(items: 50, shift: 0, seed: 3);
        var difference = PairedBootstrap.Compare(reference, reference);
        Assert.Equal(LossVerdict.NoDifference, difference.Verdict);
        Assert.Equal(0, difference.Mean);
        Assert.Equal("no difference shown in held-out loss (0.000, 95% interval 0.000 to 0.000, 50 conversations)", difference.Describe());
    }

    [Fact]
    public void The_same_seed_gives_the_same_interval_and_unpaired_inputs_are_refused()
    {
        var (reference, candidate) = Synthetic(items: 30, shift: 0.01, seed: 4);
        Assert.Equal(PairedBootstrap.Compare(reference, candidate, seed: 9), PairedBootstrap.Compare(reference, candidate, seed: 9));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare([], []));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare([1.0, 2.0], [1.0, 2.0], weights: [1.0, 0.0]));
    }
}
