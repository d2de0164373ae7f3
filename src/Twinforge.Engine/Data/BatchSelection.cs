namespace Twinforge.Engine.Data;

/// <summary>Which sequences make up the batch at a position.</summary>
/// <param name="Position">The batch's epoch and index.</param>
/// <param name="Sequences">Indices into the creator's packed sequences.</param>
/// <param name="ReplaySequences">Indices into the replay set's packed sequences (empty without replay).</param>
public sealed record BatchSelection(BatchPosition Position, IReadOnlyList<int> Sequences, IReadOnlyList<int> ReplaySequences);
