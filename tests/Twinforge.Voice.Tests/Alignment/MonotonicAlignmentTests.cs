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
}
