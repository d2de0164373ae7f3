using Twinforge.Recipes;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Cli.Runs;
using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// Twinforge's own small foundation model, so the demo runs on a machine with nothing downloaded: a byte-level
/// Llama-style model pre-trained from random initialisation on <see cref="BuiltInCorpora.GeneralEnglish"/> with the
/// same trainer users fine-tune with. Built once per size into the cache and reused; an interrupted build resumes
/// from its checkpoints. Its run directory holds the recipe it was built with and its report, like any run.
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
        var (corpus, heldOut) = Corpus(cacheRoot, size);
        var run = RunDirectory(cacheRoot, size);
        var initial = InitialModel(cacheRoot, size);
        var options = PretrainingOptions(size);
        if (heldOut is not null) options = options with { Data = options.Data with { ValidationFile = heldOut } };
        var recipe = RecipeMapper.ToRecipe(options, initial, [corpus], run);
        var result = RecipeRun.Run(recipe, initial, run, options, onEvent, cancellationToken);
        if (result.Training.Cancelled) throw new OperationCanceledException("pre-training of the built-in base model was cancelled; run again to resume");
        RunReport.Write(run);
        return result.ModelDirectory!;
    }

    /// <summary>
    /// The size's pre-training text and its held-out file: the fortunes (the byte-level sizes hold out 2% of their
    /// documents themselves, so null), or the English corpus's training documents mixed by
    /// <see cref="PretrainingMixture.English"/> and its held-out file.
    /// </summary>
    public static (string Training, string? HeldOut) Corpus(string cacheRoot, BuiltInModelSize size)
    {
        if (size.ByteLevel) return (new BuiltInCorpora(cacheRoot).GeneralEnglish(), null);
        var corpus = new EnglishCorpus(cacheRoot);
        var manifest = corpus.Build();
        return (PretrainingMixture.English.Write(corpus.OutputDirectory, manifest), Path.Combine(corpus.OutputDirectory, EnglishCorpus.HeldOutFileName));
    }

    /// <summary>
    /// Pre-training on the built-in corpus: every parameter trained, long documents split, 2% held out to watch (the
    /// English corpus comes with its own held-out file). Both corpora separate their documents with <c>%</c> lines.
    /// </summary>
    public static FineTuningOptions PretrainingOptions(BuiltInModelSize size) => CorpusPretrainingOptions(size) with
    {
        Method = FineTuningMethod.Full,
        Data = CorpusPretrainingOptions(size).Data with { PlainTextSeparator = "%" },
    };

    /// <summary>
    /// The defaults of <c>twinforge pretrain --data</c> on one's own corpus: the built-in base's budget at this size,
    /// from random initialisation, documents being paragraphs of plain text.
    /// </summary>
    public static FineTuningOptions CorpusPretrainingOptions(BuiltInModelSize size) => new()
    {
        Method = FineTuningMethod.FromScratch,
        Data = new TrainingDataOptions
        {
            SequenceLength = size.SequenceLength, Overlong = OverlongPolicy.Split,
            Format = DatasetFormat.PlainText, ValidationFraction = 0.02, Seed = 1,
        },
        Training = new TrainingOptions
        {
            MaxSteps = size.Steps, BatchSize = size.BatchSize, LearningRate = size.LearningRate, WarmupSteps = Math.Max(1, size.Steps / 20),
            WeightDecay = 0.1, EvaluateEverySteps = Math.Max(1, size.Steps / 5), EarlyStoppingPatience = null,
            CheckpointEverySteps = Math.Max(1, size.Steps / 10), KeepLastCheckpoints = 1, Seed = 1,
        },
    };

    /// <summary>
    /// The randomly initialised built-in architecture at this size, with the byte-level tokenizer: the starting point
    /// of the built-in base and of <c>pretrain --base builtin</c>. Written once (atomically, as a directory rename).
    /// </summary>
    public static string InitialModel(string cacheRoot, BuiltInModelSize size)
    {
        var directory = Path.Combine(RunDirectory(cacheRoot, size), "initial");
        if (File.Exists(Path.Combine(directory, HuggingFaceConfigFile))) return directory;
        ITokenizer tokenizer = size.TrainedVocabularySize is int vocabulary
            ? TrainedTokenizer(Corpus(cacheRoot, size).Training, vocabulary)
            : new ByteLevelTokenizer();
        using var model = new PretrainedModel(new CausalLanguageModel(size.Config), tokenizer);
        model.Network.InitializeWeights(seed: 1);
        AtomicDirectory.Write(directory, path => model.Save(path));
        return directory;
    }

    /// <summary>
    /// Byte-level BPE with <paramref name="vocabularySize"/> entries learned from a corpus file (for the English size,
    /// the English pre-training mixture; Llama 3's pre-tokenizer, the built-in special tokens): deterministic, so the
    /// same corpus gives the same tokenizer. The corpus's <c>%</c> separator lines are text to it, and cost a few merges.
    /// </summary>
    public static HuggingFaceTokenizer TrainedTokenizer(string training, int vocabularySize)
    {
        var trainer = new BpeTrainer(new BpeTrainerOptions { VocabularySize = vocabularySize });
        trainer.AddFile(training);
        return trainer.Train().Tokenizer;
    }
}
