namespace Twinforge.Bench;

/// <summary>
/// Greedy decoding on one model dtype. Prompt tokens/s is the prompt length over the time to the first new token;
/// single-stream tokens/s counts the tokens after the first over the time after it (each one a cached forward pass,
/// as llama.cpp's "tg" figure). The concurrent figures decode <see cref="Streams"/> prompts in one batch: aggregate
/// is all new tokens over the whole time, prompts included; decode-only leaves out a separately timed batched prefill.
/// </summary>
public sealed record GenerationMeasurement
{
    public required string Precision { get; init; }
    public required int PromptTokens { get; init; }
    public required int NewTokens { get; init; }
    public required int Streams { get; init; }
    public required double PromptTokensPerSecond { get; init; }
    public required double SingleStreamTokensPerSecond { get; init; }
    public required double AggregateTokensPerSecond { get; init; }
    public required double AggregateDecodeTokensPerSecond { get; init; }
}
