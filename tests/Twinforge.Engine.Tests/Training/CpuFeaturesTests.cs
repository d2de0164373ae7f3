using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class CpuFeaturesTests
{
    [Fact]
    public void The_bfloat16_speedup_is_a_measured_ratio_of_two_product_times()
    {
        double speedup = CpuFeatures.MeasureBFloat16Speedup(rows: 64, inner: 128, outer: 256, repeats: 2);

        Assert.True(double.IsFinite(speedup) && speedup > 0, $"speedup {speedup}");
    }

    [Fact]
    public void Bfloat16_pays_off_only_where_the_cpu_multiplies_it_natively_and_measurably_faster()
    {
        Assert.Equal(CpuFeatures.HasNativeBFloat16 && CpuFeatures.BFloat16Speedup >= CpuFeatures.BFloat16SpeedupNeeded,
            CpuFeatures.BFloat16ProductsPayOff);
        Assert.Equal(CpuFeatures.BFloat16Speedup, CpuFeatures.BFloat16Speedup); // measured once, not per call
    }

    [Fact]
    public void Automatic_precision_follows_the_measurement_and_explicit_precision_overrides_it()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(2));
        using var model = Model();

        var automatic = new Trainer(model, data, Options with { Precision = TrainingPrecision.Automatic }, directory.Sub("a"));
        var float32 = new Trainer(model, data, Options with { Precision = TrainingPrecision.Float32 }, directory.Sub("b"));
        var bfloat16 = new Trainer(model, data, Options with { Precision = TrainingPrecision.BFloat16Mixed }, directory.Sub("c"));

        Assert.Equal(CpuFeatures.BFloat16ProductsPayOff ? ScalarType.BFloat16 : ScalarType.Float32, automatic.ComputeDType);
        Assert.Equal(ScalarType.Float32, float32.ComputeDType);
        Assert.Equal(ScalarType.BFloat16, bfloat16.ComputeDType);
    }
}
