using TorchSharp;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// The random generator a model's dropout draws its masks from: one per model, never libtorch's process-wide default
/// generator, so two models trained at once on two threads (or a training run beside a generation) cannot disturb
/// each other's randomness. A training run seeds it, checkpoints its state and restores it on resume.
/// </summary>
public sealed class DropoutRandomness : IDisposable
{
    readonly Generator generator = new(seed: 0);

    /// <summary>Restarts the sequence of masks from <paramref name="seed"/>.</summary>
    public void Seed(long seed) => generator.manual_seed(seed);

    /// <summary>The generator's state, to restore later (a checkpoint; a recomputation that must draw the same masks).</summary>
    public byte[] SaveState()
    {
        using var state = generator.get_state();
        return state.bytes.ToArray();
    }

    public void RestoreState(byte[] state)
    {
        using var tensor = torch.tensor(state, ScalarType.Byte);
        generator.set_state(tensor);
    }

    /// <summary>
    /// Inverted dropout: each element kept with probability 1 − p and scaled by 1 / (1 − p), zeroed otherwise.
    /// The mask is drawn from this generator; p = 0 returns the input itself.
    /// </summary>
    public Tensor Apply(Tensor input, double probability)
    {
        if (probability <= 0) return input.alias();
        using var scope = NewDisposeScope();
        var keep = empty_like(input).bernoulli_(1 - probability, generator);
        return input.mul(keep).DividedByInPlace(1 - probability).MoveToOuterDisposeScope();
    }

    public void Dispose() => generator.Dispose();
}
