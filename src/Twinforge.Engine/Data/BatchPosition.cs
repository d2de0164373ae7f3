namespace Twinforge.Engine.Data;

/// <summary>
/// Where a <see cref="BatchIterator"/> stands: the epoch and the index of the next batch in it. Saved with a
/// checkpoint, it is all a run needs to continue with exactly the batches an uninterrupted run would have seen.
/// </summary>
public readonly record struct BatchPosition(int Epoch, int Index)
{
    public override string ToString() => $"epoch {Epoch}, batch {Index}";
}
