using Twinforge.Engine.Training;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class CpuFeaturesTests
{
    [Fact]
    public void The_bfloat16_speedup_is_a_measured_ratio_of_two_product_times()
    {
        double speedup = CpuFeatures.MeasureBFloat16Speedup(rows: 64, inner: 128, outer: 256, repeats: 2);

        // Any real machine lands within two orders of magnitude either way; NaN, 0 or ∞ would mean a broken timer.
        Assert.InRange(speedup, 0.01, 100);
    }

    [Theory]
    [InlineData(TrainingPrecision.Automatic, true, 4.5, TrainingPrecision.BFloat16Mixed)]  // Zen 4: bf16 4–5× fp32
    [InlineData(TrainingPrecision.Automatic, true, 0.7, TrainingPrecision.Float32)]        // Xeon without AMX: bf16 slower
    [InlineData(TrainingPrecision.Automatic, true, 1.29, TrainingPrecision.Float32)]       // just short of the threshold
    [InlineData(TrainingPrecision.Automatic, true, 1.3, TrainingPrecision.BFloat16Mixed)]
    [InlineData(TrainingPrecision.Automatic, false, 5.0, TrainingPrecision.Float32)]       // no native bf16: emulated
    [InlineData(TrainingPrecision.Float32, true, 5.0, TrainingPrecision.Float32)]          // explicit wins
    [InlineData(TrainingPrecision.BFloat16Mixed, false, 0.5, TrainingPrecision.BFloat16Mixed)]
    public void Automatic_precision_is_bfloat16_only_where_native_and_measurably_faster(TrainingPrecision requested, bool native,
        double speedup, TrainingPrecision expected)
    {
        Assert.Equal(expected, PrecisionChoice.Resolve(requested, native, speedup));
    }

    [Fact]
    public void On_this_machine_automatic_resolves_to_a_concrete_precision_the_same_way_every_time()
    {
        var first = PrecisionChoice.OnThisMachine(TrainingPrecision.Automatic);

        Assert.NotEqual(TrainingPrecision.Automatic, first);
        Assert.Equal(first, PrecisionChoice.OnThisMachine(TrainingPrecision.Automatic));
        Assert.Throws<ArgumentException>(() => PrecisionChoice.ComputeDType(TrainingPrecision.Automatic));
    }
}
