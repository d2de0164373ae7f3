namespace Twinforge.Bench;

/// <summary>
/// One training configuration measured through the trainer. Step time is the median wall time between consecutive
/// completed updates after warm-up; tokens/s is batch·sequence over it. Memory is the process's resident set
/// (/proc/self/status): its peak (VmHWM) by the last timed update, and its size after warm-up and at the end, whose
/// difference shows a leak; minor page faults per step show allocation churn even on a busy machine. <see cref="FlopsPerToken"/> counts 6·N for full fine-tuning and 4·N_frozen + 6·N_trainable
/// for LoRA (frozen weights need no weight gradient); attention's T² terms are left out, as in the 6·N convention.
/// </summary>
public sealed record FineTuningMeasurement
{
    public required string Name { get; init; }
    public required string Method { get; init; }
    public required string Precision { get; init; }
    public required int BatchSize { get; init; }
    public required int SequenceLength { get; init; }
    public required int WarmupSteps { get; init; }
    public required int TimedSteps { get; init; }
    /// <summary>Activations recomputed in the backward pass (less memory, more compute).</summary>
    public bool ActivationCheckpointing { get; init; }
    public required double TokensPerSecond { get; init; }
    public required double MedianSecondsPerStep { get; init; }
    public required IReadOnlyList<double> StepSeconds { get; init; }
    public required long PeakResidentBytes { get; init; }
    public required long ResidentBytesAfterWarmup { get; init; }
    public required long ResidentBytesAtEnd { get; init; }
    /// <summary>True when the case ran in its own process, so the peak is this configuration's alone.</summary>
    public required bool PeakMemoryIsolated { get; init; }
    /// <summary>Minor page faults per timed step: fresh memory the step made the kernel map (allocation churn).</summary>
    public required double MinorPageFaultsPerStep { get; init; }
    public required long OptimizerStateBytes { get; init; }
    public required long ParameterCount { get; init; }
    public required long TrainableParameterCount { get; init; }
    public required double FlopsPerToken { get; init; }
    /// <summary>FlopsPerToken · tokens/s over the measured bfloat16 ceiling; set by the harness once the ceiling is known.</summary>
    public double? ModelFlopUtilization { get; init; }
    public required double FirstLoss { get; init; }
    public required double LastLoss { get; init; }
}
