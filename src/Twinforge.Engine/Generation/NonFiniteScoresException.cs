namespace Twinforge.Engine.Generation;

/// <summary>
/// The model's next-token scores hold NaN or infinities, so no token can be drawn: its weights have diverged (a
/// learning rate far too high, typically). Said in words, where libtorch's sampler would fail with its own check.
/// </summary>
public sealed class NonFiniteScoresException() : InvalidOperationException(
    "the model's next-token scores are not finite (NaN or infinite), so nothing can be sampled: its weights have diverged; train it again with a lower learning rate");
