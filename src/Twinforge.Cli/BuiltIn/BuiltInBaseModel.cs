using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// Twinforge's own small foundation model, so the demo runs on a machine with nothing downloaded: a byte-level
/// Llama-style model pre-trained from random initialisation on <see cref="BuiltInCorpora.GeneralEnglish"/> with the
/// same trainer users fine-tune with. Built once per size into the cache and reused; an interrupted build resumes
/// from its checkpoints.
/// </summary>
public static class BuiltInBaseModel
{
    /// <summary>The run directory of a size's pre-training (its <c>model/</c> is the base model).</summary>
    public static string RunDirectory(string cacheRoot, BuiltInModelSize size) => Path.Combine(cacheRoot, "base", size.CacheKey);

    /// <summary>The model directory if this size was already built, else null.</summary>
    public static string? Existing(string cacheRoot, BuiltInModelSize size)
    {
        var run = RunDirectory(cacheRoot, size);
        var model = Path.Combine(run, FineTuning.ModelDirectoryName);
        return File.Exists(Path.Combine(run, FineTuning.RecordFileName)) && File.Exists(Path.Combine(model, HuggingFaceConfigFile)) ? model : null;
    }

    const string HuggingFaceConfigFile = "config.json";

    /// <summary>Returns the base model's directory, pre-training it first if the cache does not hold it.</summary>
    public static string Ensure(string cacheRoot, BuiltInModelSize size, Action<TrainingEvent>? onEvent = null,
        CancellationToken cancellationToken = default)
    {
        if (Existing(cacheRoot, size) is string existing) return existing;
        var corpus = new BuiltInCorpora(cacheRoot).GeneralEnglish();
        var run = RunDirectory(cacheRoot, size);
        var initial = WriteInitialModel(Path.Combine(run, "initial"), size);
        var result = FineTuning.Run(initial, [corpus], run, PretrainingOptions(size), onEvent, cancellationToken);
        if (result.Training.Cancelled) throw new OperationCanceledException("pre-training of the built-in base model was cancelled; run again to resume");
        return result.ModelDirectory!;
    }

    /// <summary>Pre-training on plain text: every parameter trained, long documents split, 2% held out to watch.</summary>
    public static FineTuningOptions PretrainingOptions(BuiltInModelSize size) => new()
    {
        Method = FineTuningMethod.Full,
        Data = new TrainingDataOptions
        {
            SequenceLength = size.SequenceLength, PlainTextSeparator = "%", Overlong = OverlongPolicy.Split,
            Format = DatasetFormat.PlainText, ValidationFraction = 0.02, Seed = 1,
        },
        Training = new TrainingOptions
        {
            MaxSteps = size.Steps, BatchSize = size.BatchSize, LearningRate = size.LearningRate, WarmupSteps = Math.Max(1, size.Steps / 20),
            WeightDecay = 0.1, EvaluateEverySteps = Math.Max(1, size.Steps / 5), EarlyStoppingPatience = null,
            CheckpointEverySteps = Math.Max(1, size.Steps / 10), KeepLastCheckpoints = 1, Seed = 1,
        },
    };

    /// <summary>The randomly initialised starting point, written once (atomically, as a directory rename).</summary>
    static string WriteInitialModel(string directory, BuiltInModelSize size)
    {
        if (File.Exists(Path.Combine(directory, HuggingFaceConfigFile))) return directory;
        using var model = new PretrainedModel(new CausalLanguageModel(size.Config), new ByteLevelTokenizer());
        model.Network.InitializeWeights(seed: 1);
        AtomicDirectory.Write(directory, path => model.Save(path));
        return directory;
    }
}
