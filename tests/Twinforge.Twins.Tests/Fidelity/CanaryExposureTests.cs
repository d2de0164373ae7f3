using Twinforge.Twins.Fidelity;

namespace Twinforge.Twins.Tests.Fidelity;

public sealed class CanaryExposureTests
{
    static List<double> NormalSample(int count, double mean, double deviation, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            return mean + deviation * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }).ToList();
    }

    [Fact]
    public void A_canary_the_model_never_saw_has_about_one_bit_of_exposure()
    {
        var sample = NormalSample(1000, mean: 40, deviation: 3, seed: 1);
        double bits = CanaryExposure.Bits(canaryLoss: 40, sample, candidateSpace: 1e9); // in the middle of the candidates
        Assert.InRange(bits, 0.7, 1.3);
    }

    [Fact]
    public void A_memorised_canary_far_below_every_candidate_is_exposed_by_the_normal_tail()
    {
        var sample = NormalSample(1000, mean: 40, deviation: 3, seed: 2);
        // 6 deviations below: P ≈ 9.9e-10, so rank ≈ 1 of 10⁹: exposure near the maximum log2(1e9) = 29.9 bits.
        double bits = CanaryExposure.Bits(canaryLoss: 40 - 6 * 3, sample, candidateSpace: 1e9);
        Assert.InRange(bits, 28, Math.Log2(1e9));
        // Two deviations below: about 2.3% of candidates are likelier, about 5.4 bits; the sample counts them directly.
        Assert.InRange(CanaryExposure.Bits(40 - 2 * 3, sample, 1e9), 4.8, 6.2);
    }

    [Fact]
    public void Exposure_needs_a_sample_and_a_space_of_candidates()
    {
        Assert.Throws<ArgumentException>(() => CanaryExposure.Bits(1, [2.0], 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => CanaryExposure.Bits(1, [2.0, 3.0], 1));
    }

    [Fact]
    public void A_likelier_canary_never_has_less_exposure()
    {
        var sample = NormalSample(200, mean: 40, deviation: 3, seed: 3);
        double best = sample.Min();
        double tying = CanaryExposure.Bits(best, sample, 1e9);
        Assert.True(CanaryExposure.Bits(best - 0.01, sample, 1e9) >= tying);
        Assert.True(CanaryExposure.Bits(best - 5, sample, 1e9) > tying);
    }
}
