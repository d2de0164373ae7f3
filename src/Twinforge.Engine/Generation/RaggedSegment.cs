using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Generation;

/// <summary>
/// One stream's share of a ragged step (<see cref="InferenceSession.ForwardRagged"/>): its next tokens (a chunk of
/// its prompt, or the one token it decoded last), fed at the positions after those its cache holds, with its adapter
/// (null for the bare base). <paramref name="NeedsLogits"/> is false for a prompt chunk that is not the prompt's last:
/// nothing is sampled from it, so the head is not run for it.
/// </summary>
internal sealed record RaggedSegment(KeyValueCache Cache, IReadOnlyList<int> TokenIds, AdapterWeights? Adapter, bool NeedsLogits);
