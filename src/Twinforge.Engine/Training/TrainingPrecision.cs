namespace Twinforge.Engine.Training;

/// <summary>The dtype matrix products run in while training; parameters and optimizer state stay float32.</summary>
public enum TrainingPrecision
{
    /// <summary>bfloat16 products when the CPU has native bfloat16 instructions (AVX-512 BF16 or AMX), else float32.</summary>
    Automatic,

    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>bfloat16 matrix products over float32 master weights; norms, softmax statistics and the loss in float32.</summary>
    BFloat16Mixed,
}
