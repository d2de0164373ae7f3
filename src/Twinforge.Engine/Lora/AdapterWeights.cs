using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Lora;

/// <summary>
/// A twin's LoRA adapter loaded for serving: the factors of every adapted projection of one base model, in the
/// dtype the base computes in, without being attached to the model. Many adapters can then share one copy of the
/// base (an <see cref="Generation.InferenceSession"/>'s ragged forward applies each to its own rows), where attaching
/// or merging would need a model, or a copy of the base, per twin.
/// </summary>
/// <example><code>
/// using var adapter = AdapterWeights.Load(model, "twins/ada/adapter", ScalarType.BFloat16);
/// Console.WriteLine($"{adapter.Bytes / 1e6:F1} MB");
/// </code></example>
public sealed class AdapterWeights : IDisposable
{
    readonly Dictionary<Projection, LowRankFactors> factors;

    AdapterWeights(CausalLanguageModel model, LoraConfig config, Dictionary<Projection, LowRankFactors> factors)
    {
        Model = model;
        Config = config;
        this.factors = factors;
        Bytes = factors.Values.Sum(entry => entry.Bytes);
    }

    /// <summary>The base model whose projections the factors belong to.</summary>
    public CausalLanguageModel Model { get; }

    public LoraConfig Config { get; }

    /// <summary>Bytes of every factor: what holding this adapter costs beyond the shared base.</summary>
    public long Bytes { get; }

    /// <summary>The adapted projections (of <see cref="Model"/>) and their factors.</summary>
    public IReadOnlyDictionary<Projection, LowRankFactors> Factors => factors;

    /// <summary>This adapter's factors for <paramref name="projection"/>, or null when it does not adapt it.</summary>
    public LowRankFactors? For(Projection projection) => factors.GetValueOrDefault(projection);

    /// <summary>
    /// Reads a PEFT adapter directory checked against <paramref name="model"/> exactly as
    /// <see cref="PeftAdapter.Load"/> checks it, into factors of <paramref name="dtype"/>; the model is not touched.
    /// </summary>
    public static AdapterWeights Load(CausalLanguageModel model, string directory, ScalarType dtype)
    {
        using var file = PeftAdapter.OpenChecked(model, directory);
        var read = new Dictionary<Projection, LowRankFactors>(ReferenceEqualityComparer.Instance);
        try
        {
            foreach (var (name, projection) in file.Targets)
            {
                var a = Read(file, $"{PeftAdapter.KeyPrefix}{name}.{LoraAdapter.AName}.weight", dtype);
                Tensor bTransposed;
                try
                {
                    using var b = Read(file, $"{PeftAdapter.KeyPrefix}{name}.{LoraAdapter.BName}.weight", dtype);
                    using var view = b.t();
                    bTransposed = view.contiguous();
                }
                catch
                {
                    a.Dispose();
                    throw;
                }
                read[projection] = new LowRankFactors(a, bTransposed, file.Config.Scaling);
            }
        }
        catch
        {
            DisposeAll(read.Values);
            throw;
        }
        return new AdapterWeights(model, file.Config, read);
    }

    static Tensor Read(PeftAdapter.CheckedAdapterFile file, string key, ScalarType dtype)
    {
        var info = file.File.GetInfo(key);
        var tensor = empty(info.ShapeArray(), dtype);
        try
        {
            file.File.ReadInto(key, tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    static void DisposeAll(IEnumerable<LowRankFactors> all)
    {
        foreach (var (a, b, _) in all)
        {
            a.Dispose();
            b.Dispose();
        }
    }

    bool disposed;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        DisposeAll(factors.Values);
    }
}
