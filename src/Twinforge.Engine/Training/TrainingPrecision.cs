namespace Twinforge.Engine.Training;

/// <summary>The dtype matrix products run in while training; parameters and optimizer state stay float32.</summary>
public enum TrainingPrecision
{
    /// <summary>
    /// bfloat16 products where they are measurably faster than float32 on this machine (native bfloat16 instructions
    /// and a measured speedup: <see cref="CpuFeatures.BFloat16ProductsPayOff"/>), else float32.
    /// </summary>
    Automatic,

    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>bfloat16 matrix products over float32 master weights; norms, softmax statistics and the loss in float32.</summary>
    BFloat16Mixed,
}
