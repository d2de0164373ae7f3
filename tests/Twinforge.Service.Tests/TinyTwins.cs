using Microsoft.Extensions.DependencyInjection;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;
using Twinforge.Twins;

namespace Twinforge.Service.Tests;

/// <summary>
/// Twins in the service's own registry and store, made the way the command line makes them (<see cref="TwinLifecycle"/>;
/// jobs are another slice): a tiny byte-level Llama-style base registered as "tiny", and LoRA versions trained on a
/// creator's chat data in a second or two. Also answers as the engine does, for comparison with the service.
/// </summary>
internal sealed class TinyTwins
{
    readonly ServiceStorage storage;
    readonly string root;

    public TinyTwins(ServiceFactory service)
    {
        storage = service.Services.GetRequiredService<ServiceStorage>();
        root = Path.Combine(service.DataDirectory, "test-twins");
        Lifecycle = new TwinLifecycle(storage.Registry, storage.Store, actor: "test");
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 256, tieWordEmbeddings: true); // room for the watermark tests' 200-token answers
        var baseDirectory = Path.Combine(root, "base");
        using (var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer()))
        {
            model.Network.InitializeWeights(seed: 3);
            model.Save(baseDirectory);
        }
        Base = BaseModels.Register(storage.Registry, "tiny", baseDirectory);
    }

    public TwinLifecycle Lifecycle { get; }

    public BaseModel Base { get; }

    /// <summary>Small, quick and deterministic: LoRA rank 4, float32, 6 updates (TwinWorkbench's recipe in the twins' tests).</summary>
    public static TwinRecipe Recipe { get; } = new()
    {
        Options = new FineTuningOptions
        {
            Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) },
            Data = new() { SequenceLength = 96, ValidationFraction = 0.2 },
            Training = new TrainingOptions
            {
                MaxSteps = 6, BatchSize = 4, LearningRate = 1e-2, Precision = TrainingPrecision.Float32, EvaluateEverySteps = 2,
                EarlyStoppingPatience = 10, CheckpointEverySteps = 0, WarmupSteps = 1,
            },
            SaveMergedModel = false,
        },
    };

    /// <summary>The registry's record of an organisation's creator, by the public ids the API gave.</summary>
    public Creator Creator(string organisation, string creator) =>
        storage.Registry.FindOrganisationCreator(storage.Registry.FindOrganisation(organisation)!.Id, creator)!;

    /// <summary>Trains a twin's first version on the creator's answers to "<paramref name="batch"/> question N?".</summary>
    public TwinVersion Train(Creator creator, string twin, string batch = "spring")
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, $"{creator.Name}-{twin}.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 30).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"{batch} question {i}?\"}},{{\"role\":\"assistant\",\"content\":\"{twin} says {batch} answer {i % 5}.\"}}]}}"));
        var outcome = Lifecycle.CreateTwin(creator.Id, twin, Base, Lifecycle.Data.Register(creator.Id, [path]), heldOut: null, Recipe);
        Assert.Equal(VersionStatus.Succeeded, outcome.Version.Status);
        return outcome.Version;
    }

    /// <summary>A twin whose only version failed (planned for a queue, then abandoned).</summary>
    public TwinVersion Failed(Creator creator, string twin)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, $"{creator.Name}-{twin}.jsonl");
        File.WriteAllText(path, ChatData.Valid(twin, 12));
        var planned = Lifecycle.PlanTwin(creator.Id, twin, Base, Lifecycle.Data.Register(creator.Id, [path]), heldOut: null, Recipe);
        return Lifecycle.Abandon(planned.Id);
    }

    /// <summary>What the engine answers with the base and <paramref name="version"/>'s adapter, loaded independently of the service.</summary>
    public GenerationResult Reference(TwinVersion version, IReadOnlyList<ChatMessage> messages, GenerationOptions options) =>
        WithAdapter(version, model => model.Chat(messages, options));

    /// <summary>How the engine continues <paramref name="prompt"/> as plain text with the base and <paramref name="version"/>'s adapter.</summary>
    public GenerationResult ReferenceText(TwinVersion version, string prompt, GenerationOptions options) =>
        WithAdapter(version, model => model.Generate(prompt, options));

    GenerationResult WithAdapter(TwinVersion version, Func<PretrainedModel, GenerationResult> generate)
    {
        var adapter = Path.Combine(root, "reference-" + version.Id);
        if (!Directory.Exists(adapter))
            storage.Store.ExtractDirectory(version.Artifacts.Single(a => a.Kind == ArtifactReference.Adapter).ContentHash, adapter);
        using var model = PretrainedModel.Load(Base.Path!);
        PeftAdapter.Load(model.Network, adapter);
        return generate(model);
    }

    /// <summary>The directory where the service unpacks what it serves.</summary>
    public string ServedCache => Path.Combine(storage.DataDirectory, "served");
}
