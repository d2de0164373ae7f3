using Twinforge.Engine.Serving;
using Twinforge.Engine.Training;
using static TorchSharp.torch;

namespace Twinforge.Twins.Serving;

/// <summary>How <see cref="ServedModels"/> holds models and batches their requests.</summary>
public sealed record ServingOptions
{
    /// <summary>
    /// Models held at once: bases (each serving all its twins' adapters) and fully fine-tuned versions (their own
    /// weights). The least recently used one no stream is using is unloaded beyond it.
    /// </summary>
    public int LoadedModels { get; init; } = 2;

    /// <summary>Bytes of twins' adapters kept loaded per base; the least recently used ones no stream is using are dropped beyond it.</summary>
    public long AdapterCacheBytes { get; init; } = 1L << 30;

    /// <summary>
    /// The dtype bases are held in for serving: null decides once per process — bfloat16 where the CPU computes its
    /// products natively and measurably faster than float32 (<see cref="CpuFeatures.BFloat16ProductsPayOff"/>, as
    /// training's automatic precision), float32 elsewhere (a CPU without native bfloat16 emulates it, far slower).
    /// Decoding reads every weight once per step, so bfloat16 also halves the bytes read.
    /// </summary>
    public ScalarType? WeightsDType { get; init; }

    /// <summary>The dtype bases are loaded in: <see cref="WeightsDType"/>, or the one this machine serves faster.</summary>
    public ScalarType ResolvedWeightsDType => WeightsDType ?? (CpuFeatures.BFloat16ProductsPayOff ? ScalarType.BFloat16 : ScalarType.Float32);

    /// <summary>How each loaded model's batcher shares its decoding steps (streams at once, prompt chunks).</summary>
    public BatcherOptions Batching { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the option out of range.</summary>
    public void Validate()
    {
        if (LoadedModels < 1) throw new ArgumentException($"LoadedModels must be at least 1, got {LoadedModels}", nameof(LoadedModels));
        if (AdapterCacheBytes < 0) throw new ArgumentException($"AdapterCacheBytes must be at least 0, got {AdapterCacheBytes}", nameof(AdapterCacheBytes));
        if (WeightsDType is { } dtype && dtype != ScalarType.Float32 && dtype != ScalarType.BFloat16)
            throw new ArgumentException($"WeightsDType must be Float32 or BFloat16, got {dtype}", nameof(WeightsDType));
        Batching.Validate();
    }
}
