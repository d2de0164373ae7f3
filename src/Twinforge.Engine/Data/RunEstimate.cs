namespace Twinforge.Engine.Data;

/// <summary>The size of one epoch over a dataset for a given batch shape (see <see cref="DatasetReport.Estimate"/>).</summary>
/// <param name="SequenceLength">T, tokens per sequence.</param>
/// <param name="BatchSize">B, sequences per batch.</param>
/// <param name="Sequences">Packed (or padded) sequences per epoch.</param>
/// <param name="BatchesPerEpoch">⌈sequences / B⌉: the last batch may be smaller.</param>
/// <param name="OptimizerStepsPerEpoch">⌈batches / gradient-accumulation steps⌉.</param>
/// <param name="TokensPerEpoch">Sequences × T: the positions the model computes, padding included.</param>
/// <param name="TrainableTokensPerEpoch">Targets the loss is computed on.</param>
/// <param name="PaddingFraction">Share of <see cref="TokensPerEpoch"/> that is padding.</param>
public sealed record RunEstimate(
    int SequenceLength,
    int BatchSize,
    int Sequences,
    int BatchesPerEpoch,
    int OptimizerStepsPerEpoch,
    long TokensPerEpoch,
    long TrainableTokensPerEpoch,
    double PaddingFraction);
