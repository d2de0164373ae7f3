using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Serving;

/// <summary>
/// A loaded adapter pinned in its <see cref="AdapterCache"/>: it is not evicted (nor disposed) until every lease on it
/// is disposed. Dispose once the stream that uses it has finished.
/// </summary>
public sealed class AdapterLease : IDisposable
{
    Action? release;

    internal AdapterLease(AdapterWeights weights, Action release)
    {
        Weights = weights;
        this.release = release;
    }

    public AdapterWeights Weights { get; }

    public void Dispose() => Interlocked.Exchange(ref release, null)?.Invoke();
}
