using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// Turns <see cref="TrainingPrecision.Automatic"/> into a concrete precision, once per run: a run's precision must not
/// change between its sessions (a resumed run would no longer be the run its checkpoint belongs to), so a run records
/// what it resolved to and its resumes and rebuilds use that record instead of measuring again.
/// </summary>
public static class PrecisionChoice
{
    /// <summary>
    /// bfloat16-mixed where the CPU multiplies bfloat16 natively and measurably faster than float32
    /// (<see cref="CpuFeatures.BFloat16SpeedupNeeded"/>), else float32; an explicit precision is kept as it is.
    /// </summary>
    public static TrainingPrecision Resolve(TrainingPrecision requested, bool hasNativeBFloat16, double measuredSpeedup) =>
        requested != TrainingPrecision.Automatic ? requested
        : hasNativeBFloat16 && measuredSpeedup >= CpuFeatures.BFloat16SpeedupNeeded ? TrainingPrecision.BFloat16Mixed
        : TrainingPrecision.Float32;

    /// <summary><see cref="Resolve"/> with this machine's features and measured speedup (measured once per process).</summary>
    public static TrainingPrecision OnThisMachine(TrainingPrecision requested) =>
        requested == TrainingPrecision.Automatic
            ? Resolve(requested, CpuFeatures.HasNativeBFloat16, CpuFeatures.BFloat16Speedup)
            : requested;

    /// <summary>The dtype matrix products run in under a resolved precision.</summary>
    public static ScalarType ComputeDType(TrainingPrecision resolved) => resolved switch
    {
        TrainingPrecision.Float32 => ScalarType.Float32,
        TrainingPrecision.BFloat16Mixed => ScalarType.BFloat16,
        _ => throw new ArgumentException("resolve automatic precision first (PrecisionChoice.OnThisMachine)", nameof(resolved)),
    };
}
