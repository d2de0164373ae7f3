namespace Twinforge.Bench.Sizes;

/// <summary>
/// One shape's figures, measured in a process of its own (so its peak resident memory, VmHWM, is this shape's alone):
/// loading the bfloat16 directory, LoRA steps through the <see cref="Twinforge.Engine.Training.Trainer"/> at the
/// plan's batch, then the adapted model (the twin) decoding greedily from a prompt.
/// </summary>
public sealed record SizesMeasurement
{
    public required string Shape { get; init; }
    public required string PublishedAs { get; init; }
    public required long ParameterCount { get; init; }
    public required long TrainableParameterCount { get; init; }
    /// <summary>Bytes of the model's parameters by dtype after LoRA injection (e.g. bf16: the frozen base, fp32: the adapters).</summary>
    public required IReadOnlyDictionary<string, long> ParameterBytesByDType { get; init; }
    public required double LoadSeconds { get; init; }
    public required long ResidentBytesAfterLoad { get; init; }
    /// <summary>The dtype the products ran in: fp32 over the bfloat16 weights where bf16 products are slow, else bf16.</summary>
    public required string ComputePrecision { get; init; }
    public required int BatchSize { get; init; }
    public required int SequenceLength { get; init; }
    public required double LoraTokensPerSecond { get; init; }
    public required IReadOnlyList<double> StepSeconds { get; init; }
    /// <summary>4·N_frozen + 6·N_trainable (the harness's LoRA convention; the checkpointed recomputation not counted).</summary>
    public required double FlopsPerToken { get; init; }
    public required double FirstLoss { get; init; }
    public required double LastLoss { get; init; }
    public required long OptimizerStateBytes { get; init; }
    /// <summary>VmHWM after the last timed step: the peak of loading and training.</summary>
    public required long PeakResidentBytesTraining { get; init; }
    public required double PromptTokensPerSecond { get; init; }
    public required double GenerationTokensPerSecond { get; init; }
    /// <summary>VmHWM at the end: loading, training and generation.</summary>
    public required long PeakResidentBytes { get; init; }
    /// <summary>The twin's greedy continuation of the prompt, decoded (random weights: not words).</summary>
    public required string Reply { get; init; }
    /// <summary>FlopsPerToken · LoRA tokens/s over the better of the measured fp32 and bf16 product rates; set by the parent.</summary>
    public double? ModelFlopUtilization { get; init; }
}
