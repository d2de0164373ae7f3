using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;

namespace Twinforge.Twins.Tests;

/// <summary>
/// A SQLite registry, a local artifact store, a tiny byte-level base model and chat data in a temporary directory:
/// everything a lifecycle test needs, each training run a second or two.
/// </summary>
sealed class TwinWorkbench : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("twinforge-twins-").FullName;
    public ITwinRegistry Registry { get; }
    public LocalArtifactStore Store { get; }
    public TwinLifecycle Lifecycle { get; }
    public BaseModel BaseModel { get; }

    public TwinWorkbench()
    {
        Registry = TwinRegistry.OpenSqlite(Path.Combine(Root, "registry.db"));
        Store = new LocalArtifactStore(Path.Combine(Root, "artifacts"));
        Lifecycle = new TwinLifecycle(Registry, Store, actor: "test");
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 128, tieWordEmbeddings: true);
        var baseDirectory = Path.Combine(Root, "base");
        using (var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer()))
        {
            model.Network.InitializeWeights(seed: 3);
            model.Save(baseDirectory);
        }
        BaseModel = BaseModels.Register(Registry, "tiny", baseDirectory);
    }

    /// <summary>
    /// Small, quick and deterministic: LoRA rank 4, float32, validation every 2 of 6 updates; versions continue from
    /// their parent (what most lifecycle tests are about; refitting has its own).
    /// </summary>
    public static TwinRecipe Recipe { get; } = new()
    {
        UpdateMode = UpdateMode.Continue,
        Options = new FineTuningOptions
        {
            Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) },
            Data = new() { SequenceLength = 96, ValidationFraction = 0.2 }, // of each new dataset, held out
            Training = new TrainingOptions
            {
                MaxSteps = 6, BatchSize = 4, LearningRate = 1e-2, Precision = TrainingPrecision.Float32, EvaluateEverySteps = 2,
                EarlyStoppingPatience = 10, CheckpointEverySteps = 0, WarmupSteps = 1,
            },
            SaveMergedModel = false,
            ReplayFraction = 0.3,
        },
    };

    /// <summary>A creator with consent for their words.</summary>
    public Creator Creator(string name)
    {
        var creator = Registry.CreateCreator(name);
        Registry.GiveConsent(creator.Id, ConsentScopes.Text, "signed in the test");
        return creator;
    }

    /// <summary>A chat JSONL file of the creator's exchanges, registered as a dataset.</summary>
    public Dataset Data(Creator creator, string batch, int count)
    {
        var path = Path.Combine(Root, $"{creator.Name}-{batch}.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"{batch} question {i}?\"}},{{\"role\":\"assistant\",\"content\":\"{creator.Name} says {batch} answer {i % 5}.\"}}]}}"));
        return Lifecycle.Data.Register(creator.Id, [path]);
    }

    /// <summary>A chat JSONL file of the creator's exchanges, as they wrote it (not registered).</summary>
    public string DataFile(Creator creator, string batch, IEnumerable<string> lines)
    {
        var path = Path.Combine(Root, $"{creator.Name}-{batch}.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Exchanges whose every reply is far longer than the recipe's sequence length of 96 tokens.</summary>
    public static IEnumerable<string> LongExchanges(int count) => Enumerable.Range(0, count).Select(i =>
        $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"Tell me everything, part {i}.\"}},{{\"role\":\"assistant\",\"content\":\"{new string('a', 150)} {i}\"}}]}}");

    public void Dispose()
    {
        Registry.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
