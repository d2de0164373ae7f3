using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench.Serving;

/// <summary>
/// PEFT adapter directories of many twins for one base, in a temporary directory deleted on dispose: rank-r LoRA on
/// the family's default targets, A as initialised for training and B seeded random (a trained adapter's B is not
/// zero), saved as the trainer saves them. The base is left bare.
/// </summary>
public sealed class TwinAdapterFiles : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "twinforge-serving-bench", Guid.NewGuid().ToString("N"));

    public TwinAdapterFiles(CausalLanguageModel model, int twins, int rank)
    {
        Directory.CreateDirectory(root);
        var config = new LoraConfig { Rank = rank, Alpha = 2 * rank, TargetModules = LoraConfig.DefaultTargets(model.Config.Family) };
        for (int twin = 0; twin < twins; twin++)
        {
            var adapters = LoraInjector.Apply(model, config, seed: 1000 + twin);
            try
            {
                using var generator = new Generator((ulong)(2000 + twin));
                using (no_grad())
                    foreach (var module in adapters.Modules) module.Adapter.B.normal_(0, 0.01, generator);
                PeftAdapter.Save(adapters, DirectoryOf(Name(twin)));
            }
            finally
            {
                foreach (var module in adapters.Modules) module.Projection.DetachAdapter()?.Dispose();
                model.MarkWeightsChanged();
            }
        }
    }

    public static string Name(int twin) => $"twin-{twin:D3}";

    public string DirectoryOf(string twin) => Path.Combine(root, twin);

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }
}
