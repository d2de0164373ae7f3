using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Bench.Sizes;

/// <summary>
/// A Hugging Face model directory of a <see cref="ModelShape"/> with random weights: config.json, model.safetensors in
/// bfloat16 (as the published checkpoints are) and a <see cref="SyntheticTokenizer"/>. The weights are drawn straight
/// into bfloat16 parameters (N(0, 0.02), unit norms, zero biases) and streamed to the file tensor by tensor, so
/// writing the 1.2B shape holds its 2.5 GB of bfloat16 weights and never a float32 copy. The directory appears whole
/// or not at all (written beside its place and renamed), so a directory that exists is complete and is reused.
/// </summary>
public static class RandomModelDirectory
{
    /// <summary>Where the shapes are kept: <c>bench-models</c> under Twinforge's cache (<c>$TWINFORGE_CACHE</c>, else <c>~/.cache/twinforge</c>).</summary>
    public static string DefaultCacheRoot() => Path.Combine(Twinforge.Cli.BuiltIn.CacheLocation.Resolve(null), "bench-models");

    /// <summary>The directory of <paramref name="shape"/> under <paramref name="cacheRoot"/>, written first if missing.</summary>
    public static string Ensure(ModelShape shape, string cacheRoot, TextWriter output)
    {
        var directory = Path.Combine(cacheRoot, shape.Name);
        if (Directory.Exists(directory)) return directory;
        output.WriteLine($"  writing {shape.Name} with random bfloat16 weights to {directory}");
        Directory.CreateDirectory(cacheRoot);
        Twinforge.Storage.AtomicDirectory.Write(directory, temporary => Write(shape, temporary));
        return directory;
    }

    /// <summary>Writes the model directory of <paramref name="shape"/> into <paramref name="directory"/>.</summary>
    public static void Write(ModelShape shape, string directory, long seed = 1)
    {
        using (var model = new CausalLanguageModel(shape.Config with { TorchDtype = "bfloat16" }, ScalarType.BFloat16))
        {
            model.InitializeWeights(seed);
            HuggingFaceModelCheckpoint.Save(model, directory);
        }
        SyntheticTokenizer.Write(shape, directory);
    }
}
