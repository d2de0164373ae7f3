using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Service.Tests;

/// <summary>
/// A tiny byte-level Llama-style base model (2 layers, 32 dimensions) saved in Hugging Face layout, and the recipe
/// settings jobs train it with: a few updates of a second or so each run, checkpointed, deterministic.
/// </summary>
internal static class TinyBase
{
    public const string Name = "tiny";

    static readonly Lazy<string> Saved = new(() =>
    {
        var directory = Path.Combine(Path.GetTempPath(), $"twinforge-tiny-base-{Environment.ProcessId}");
        if (File.Exists(Path.Combine(directory, "config.json"))) return directory;
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 128, tieWordEmbeddings: true);
        using var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer());
        model.Network.InitializeWeights(seed: 3);
        model.Save(directory);
        return directory;
    });

    /// <summary>The model's directory (made once per test process).</summary>
    public static string Directory => Saved.Value;

    /// <summary>
    /// Recipe keys for a quick run of <paramref name="steps"/> updates with a checkpoint every <paramref name="checkpointEvery"/>
    /// (as <c>twinforge.recipe</c>).
    /// </summary>
    public static object Recipe(int steps = 6, int checkpointEvery = 2) => new
    {
        lora = new { rank = 4, alpha = 8 },
        data_options = new { sequence_length = 96, validation_fraction = 0.2 },
        training = new { max_steps = steps, batch_size = 4, learning_rate = 0.01, precision = "float32", warmup_steps = 1 },
        early_stopping = new { evaluate_every_steps = 2, patience = 1000 },
        checkpoints = new { every_steps = checkpointEvery },
    };

    /// <summary>The service's settings for jobs on the tiny base: quick polling; no in-process worker unless asked.</summary>
    public static Dictionary<string, string?> Settings(bool runWorker, string? dataDirectory = null) => new()
    {
        ["Twinforge:BaseModels:" + Name] = Directory,
        ["Twinforge:Jobs:RunWorker"] = runWorker ? "true" : "false",
        ["Twinforge:Jobs:PollIntervalSeconds"] = "0.2",
        ["Twinforge:Jobs:CancelCheckSeconds"] = "0.2",
        ["Twinforge:DataDirectory"] = dataDirectory,
    };
}
