using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Serving;
using Twinforge.Engine.Tests.Lora;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Serving;

/// <summary>
/// A tiny base model and several twins' PEFT adapters saved for it (different ranks and targets, seeded non-zero B),
/// detached again so the base is bare: what a server holds. <see cref="Solo"/> is the reference: the adapter loaded
/// and attached the ordinary way, and the stream decoded alone by <see cref="TokenGenerator"/>.
/// </summary>
internal sealed class ServingFixture : IDisposable
{
    readonly TemporaryDirectory directory = new();
    readonly Dictionary<string, string> adapterDirectories = [];

    public ServingFixture(TransformerConfig config, ScalarType dtype = ScalarType.Float32, params (string Name, int Rank, bool AttentionOnly)[] twins)
    {
        Model = TinyModels.Create(config with { EosTokenIds = [] }, dtype: dtype);
        long seed = 20;
        foreach (var (name, rank, attentionOnly) in twins)
        {
            var targets = attentionOnly
                ? Model.Config.Family == ModelFamily.Gpt2 ? ["c_attn"] : new[] { "q_proj", "v_proj" }
                : LoraConfig.DefaultTargets(Model.Config.Family);
            var adapters = LoraInjector.Apply(Model, new LoraConfig { Rank = rank, Alpha = 2 * rank + 1, TargetModules = targets }, seed: seed);
            LoraTestModels.PerturbB(adapters, seed: seed + 1, scale: 0.3);
            var path = directory.Sub(name);
            PeftAdapter.Save(adapters, path);
            foreach (var module in adapters.Modules) module.Projection.DetachAdapter()?.Dispose();
            Model.MarkWeightsChanged();
            adapterDirectories[name] = path;
            seed += 10;
        }
        Model.eval();
    }

    /// <summary>Three twins: ranks 2, 4 and 8, the second adapting only the attention's input projections.</summary>
    public static readonly (string Name, int Rank, bool AttentionOnly)[] MixedTwins = [("ada", 2, false), ("bo", 4, true), ("cy", 8, false)];

    public CausalLanguageModel Model { get; }

    public string AdapterDirectory(string twin) => adapterDirectories[twin];

    /// <summary>A cache loading the twins' adapters in <paramref name="dtype"/> (by default the model's).</summary>
    public AdapterCache Cache(long capacityBytes = long.MaxValue, ScalarType? dtype = null) =>
        new(capacityBytes, twin => AdapterWeights.Load(Model, adapterDirectories[twin], dtype ?? Model.DType));

    /// <summary>The tokens <see cref="TokenGenerator"/> gives the prompt alone, with the twin's adapter attached (or none).</summary>
    public IReadOnlyList<int> Solo(string? twin, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        AdapterSet? adapters = twin is null ? null : PeftAdapter.Load(Model, adapterDirectories[twin]);
        try
        {
            using var generator = new TokenGenerator(Model);
            return generator.Generate(prompt, options).ToList();
        }
        finally
        {
            Detach(adapters);
        }
    }

    /// <summary>The last position's logits of the prompt, with the twin's adapter attached (or none), from a plain forward pass.</summary>
    public Tensor SoloLogits(string? twin, IReadOnlyList<int> prompt)
    {
        AdapterSet? adapters = twin is null ? null : PeftAdapter.Load(Model, adapterDirectories[twin]);
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = Model.forward(tensor(prompt.Select(id => (long)id).ToArray()).unsqueeze(0));
            return logits[0, -1].to(float32).MoveToOuterDisposeScope();
        }
        finally
        {
            Detach(adapters);
        }
    }

    void Detach(AdapterSet? adapters)
    {
        if (adapters is null) return;
        foreach (var module in adapters.Modules) module.Projection.DetachAdapter()?.Dispose();
        Model.MarkWeightsChanged();
        Model.eval();
    }

    public static List<int> Prompt(int length, int vocabularySize, int seed) =>
        TinyModels.RandomTokens(length, vocabularySize, seed).Select(id => (int)id).ToList();

    public void Dispose()
    {
        Model.Dispose();
        directory.Dispose();
    }
}
