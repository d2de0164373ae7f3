using Twinforge.Voice.Alignment;

namespace Twinforge.Voice.Tests.Alignment;

public sealed class MonotonicAlignmentTests
{
    static float[] Grid(int phonemes, int frames, Func<int, int, float> value)
    {
        var grid = new float[phonemes * frames];
        for (int i = 0; i < phonemes; i++)
            for (int t = 0; t < frames; t++) grid[i * frames + t] = value(i, t);
        return grid;
    }

    [Fact]
    public void The_path_follows_where_each_phoneme_is_likely()
    {
        // Phoneme i is likely on frames [3i, 3i + 3) except the second, which holds 5 frames.
        int[] truth = [3, 5, 2, 4];
        var owner = truth.SelectMany((frames, phoneme) => Enumerable.Repeat(phoneme, frames)).ToArray();
        var grid = Grid(4, owner.Length, (i, t) => owner[t] == i ? 0f : -5f);

        Assert.Equal(truth, MonotonicAlignment.Durations(grid, 4, owner.Length));
    }

    [Fact]
    public void Every_phoneme_gets_a_frame_even_where_another_is_likelier()
    {
        // The first phoneme is likelier everywhere: the others still get one frame each, at the end.
        var grid = Grid(3, 6, (i, t) => i == 0 ? 0f : -1f);

        Assert.Equal([4, 1, 1], MonotonicAlignment.Durations(grid, 3, 6));
    }

    [Fact]
    public void The_path_is_the_best_of_all_monotonic_paths()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            int phonemes = random.Next(1, 5), frames = phonemes + random.Next(0, 5);
            var grid = Grid(phonemes, frames, (_, _) => (float)random.NextDouble() * -3);
            double Score(int[] durations)
            {
                double total = 0;
                int t = 0;
                for (int i = 0; i < durations.Length; i++)
                    for (int k = 0; k < durations[i]; k++, t++) total += grid[i * frames + t];
                return total;
            }
            IEnumerable<int[]> All(int left, int parts) => parts == 1
                ? [[left]]
                : Enumerable.Range(1, left - parts + 1).SelectMany(first => All(left - first, parts - 1).Select(rest => (int[])[first, .. rest]));

            var found = MonotonicAlignment.Durations(grid, phonemes, frames);

            Assert.Equal(frames, found.Sum());
            Assert.All(found, d => Assert.True(d >= 1));
            Assert.Equal(All(frames, phonemes).Max(Score), Score(found), 4);
        }
    }

    [Fact]
    public void Fewer_frames_than_phonemes_cannot_be_aligned() =>
        Assert.Throws<ArgumentException>(() => MonotonicAlignment.Durations(new float[6], 3, 2));

    [Fact]
    public void The_diagonal_prior_is_a_distribution_over_phonemes_for_every_frame_peaking_on_the_diagonal()
    {
        const int phonemes = 12, frames = 60;
        var prior = MonotonicAlignment.DiagonalPrior(phonemes, frames);

        for (int t = 0; t < frames; t++)
        {
            var column = Enumerable.Range(0, phonemes).Select(i => Math.Exp(prior[i * frames + t])).ToArray();
            Assert.Equal(1.0, column.Sum(), 5);
            int mode = Array.IndexOf(column, column.Max());
            double diagonal = (phonemes - 1) * (t + 1.0) / (frames + 1.0); // the beta-binomial's mean
            Assert.InRange(mode, diagonal - 1, diagonal + 1);
        }
    }

    [Fact]
    public void The_diagonal_prior_matches_the_beta_binomial_pmf()
    {
        // Frame t = 1 of T = 4 over 4 phonemes: BetaBinomial(k; n = 3, α = t + 1 = 2, β = T − t = 3), pmf = C(3, k) B(k + 2, 6 − k) / B(2, 3).
        static double Beta(double a, double b) => Gamma(a) * Gamma(b) / Gamma(a + b);
        static double Gamma(double x) => x <= 1 ? 1 : (x - 1) * Gamma(x - 1); // integers only
        double[] choose = [1, 3, 3, 1];
        var prior = MonotonicAlignment.DiagonalPrior(4, 4);

        for (int k = 0; k < 4; k++)
            Assert.Equal(choose[k] * Beta(k + 2, 6 - k) / Beta(2, 3), Math.Exp(prior[k * 4 + 1]), 6);
    }

    [Fact]
    public void Likelihoods_that_cannot_tell_phonemes_apart_leave_the_path_on_the_diagonal_with_the_prior()
    {
        // An untrained model: every phoneme equally likely everywhere. Alone, the search gives one phoneme every frame
        // the others do not need (the collapse that undid the first foundation); with the prior the frames are shared out.
        const int phonemes = 10, frames = 50;
        var flat = new float[phonemes * frames];
        Assert.Equal(frames - phonemes + 1, MonotonicAlignment.Durations(flat, phonemes, frames).Max());

        var durations = MonotonicAlignment.Durations(MonotonicAlignment.DiagonalPrior(phonemes, frames), phonemes, frames);

        Assert.Equal(frames, durations.Sum());
        Assert.All(durations, d => Assert.InRange(d, 3, 7));
    }
}
