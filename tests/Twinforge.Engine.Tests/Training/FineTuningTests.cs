using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class FineTuningTests
{
    /// <summary>A base model directory as users bring it: config.json, model.safetensors, tokenizer files.</summary>
    static string SaveBase(TemporaryDirectory directory, TransformerConfig config)
    {
        var path = directory.Sub("base");
        using var model = new PretrainedModel(Model(config), new ByteLevelTokenizer());
        model.Save(path);
        return path;
    }

    /// <summary>
    /// The end-of-turn token is a training target and a stop token: a model fine-tuned on short replies ends its turn
    /// there instead of running on to the token limit (as `chat` once did).
    /// </summary>
    [Fact]
    public void A_model_fine_tuned_on_chats_ends_its_turn_at_the_end_of_turn_token()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, Llama());
        var dataFile = directory.Write("alice.jsonl", Enumerable.Repeat(DataTesting.Exchange("hi?", "yo."), 16).ToArray());
        var options = new FineTuningOptions
        {
            Method = FineTuningMethod.Full,
            Data = new() { SequenceLength = 64, ValidationFraction = 0, Seed = 5 },
            Training = Options with { MaxSteps = 60, LearningRate = 1e-2, BatchSize = 4 },
        };

        var result = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "run"), options);

        using var twin = PretrainedModel.Load(result.ModelDirectory!);
        var reply = twin.Chat([new ChatMessage(ChatRole.User, "hi?")], new Twinforge.Engine.Generation.GenerationOptions { MaxNewTokens = 40 });
        Assert.Equal("yo.", reply.Text);
        Assert.Equal(Twinforge.Engine.Generation.StopReason.EndOfSequence, reply.StopReason);
        Assert.True(reply.TokenIds.Count < 10, $"{reply.TokenIds.Count} tokens generated"); // stopped at the end token, not the limit
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Lora_fine_tuning_writes_the_best_adapter_in_peft_layout_and_a_merged_model(string family)
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, family == "gpt2" ? Gpt2() : Llama());
        var dataFile = directory.Write("alice.jsonl", Exchanges(12));
        var runDirectory = Path.Combine(directory.Path, "run");
        var options = new FineTuningOptions
        {
            Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(family == "gpt2" ? ModelFamily.Gpt2 : ModelFamily.Llama) },
            Data = new() { SequenceLength = 64, ValidationFraction = 0.25, Seed = 5 },
            Training = Options with { MaxSteps = 12, EvaluateEverySteps = 4, EarlyStoppingPatience = 5, LearningRate = 1e-2 },
        };

        var result = FineTuning.Run(basePath, [dataFile], runDirectory, options);

        Assert.Subset(result.Training.Evaluations.Select(e => e.Step).ToHashSet(), new HashSet<int> { 4, 8, 12 });
        Assert.Equal(result.Training.Evaluations.Min(e => e.Loss), result.Training.Best!.Loss);
        Assert.True(File.Exists(Path.Combine(result.AdapterDirectory!, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(result.AdapterDirectory!, "adapter_model.safetensors")));
        Assert.True(File.Exists(result.RecordPath));
        Assert.Contains("sha256", File.ReadAllText(result.RecordPath));

        // The merged model equals the base with the saved adapter loaded back: the two outputs agree.
        using var merged = PretrainedModel.Load(result.ModelDirectory!);
        using var reloadedBase = PretrainedModel.Load(basePath);
        PeftAdapter.Load(reloadedBase.Network, result.AdapterDirectory!);
        using var tokens = tensor(DataTesting.Bytes("q1? hey friend").Select(b => (long)b).ToArray()).unsqueeze(0);
        using var fromMerged = merged.Network.forward(tokens);
        using var fromAdapter = reloadedBase.Network.forward(tokens);
        Assert.True(allclose(fromMerged, fromAdapter, rtol: 1e-4, atol: 1e-5), $"max difference {(fromMerged - fromAdapter).abs().max().item<float>()}");
        // ... and differs from the untouched base: something was learned.
        using var pristine = PretrainedModel.Load(basePath);
        using var fromBase = pristine.Network.forward(tokens);
        Assert.False(allclose(fromMerged, fromBase, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Lora_trains_only_the_adapters()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var before = Snapshot(model);
        var adapters = LoraInjector.Apply(model, new LoraConfig { Rank = 4, TargetModules = ["q_proj", "v_proj"] }, seed: 1);
        new Trainer(model, data, Options with { MaxSteps = 5 }, directory.Sub("run")).Run();

        var after = Snapshot(model);
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"base parameter {name} changed");
        Assert.All(adapters.Modules, module => Assert.True(module.Adapter.B.abs().sum().item<float>() > 0, $"{module.Name}'s B did not move"));
    }

    [Fact]
    public void From_scratch_a_config_and_a_tokenizer_are_base_enough_without_weights()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, Llama());
        foreach (var weights in Directory.EnumerateFiles(basePath, "*.safetensors")) File.Delete(weights);
        var dataFile = directory.Write("alice.jsonl", Enumerable.Repeat(DataTesting.Exchange("hi?", "yo."), 8).ToArray());
        var options = new FineTuningOptions
        {
            Method = FineTuningMethod.FromScratch,
            Data = new() { SequenceLength = 64, ValidationFraction = 0, Seed = 5 },
            Training = Options with { MaxSteps = 2, BatchSize = 4 },
        };

        var result = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "run"), options);

        using var trained = PretrainedModel.Load(result.ModelDirectory!);
        Assert.Equal(Llama().HiddenSize, trained.Network.Config.HiddenSize);
        // Anything that keeps the weights still needs them, and says so.
        var lora = Assert.Throws<InputFileException>(() => FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "lora"),
            options with { Method = FineTuningMethod.Lora }));
        Assert.Contains("no model.safetensors", lora.Message);
    }

    [Fact]
    public void A_warm_up_longer_than_the_run_is_said_at_its_start()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var warnings = new List<string>();

        new Trainer(model, data, Options with { MaxSteps = 3, WarmupSteps = 90 }, directory.Sub("run")).Run(onEvent: e =>
        {
            if (e is TrainingWarning warning) warnings.Add(warning.Message);
        });
        using var within = Model();
        new Trainer(within, data, Options with { MaxSteps = 3, WarmupSteps = 3 }, directory.Sub("within")).Run(onEvent: e =>
        {
            if (e is TrainingWarning warning) warnings.Add("within: " + warning.Message);
        });

        var said = Assert.Single(warnings, message => message.Contains("warm-up"));
        Assert.StartsWith("the warm-up (90 steps) is longer than the run (3): the learning rate never reaches its peak", said);
    }

    [Fact]
    public void Full_fine_tuning_with_frozen_layers_leaves_them_untouched()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var before = Snapshot(model);
        ParameterFreezer.FreezeEmbeddings(model);
        ParameterFreezer.FreezeFirstLayers(model, 1);
        new Trainer(model, data, Options with { MaxSteps = 3 }, directory.Sub("run")).Run();

        var after = Snapshot(model);
        foreach (var (name, bytes) in before)
        {
            bool frozen = name.Contains("embed_tokens") || name.Contains("layers.0.");
            Assert.True(frozen == bytes.AsSpan().SequenceEqual(after[name]), $"{name}: frozen {frozen}");
        }
    }

    [Fact]
    public void L2_sp_on_lora_adapters_penalises_the_weight_delta_starting_from_zero()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        LoraInjector.Apply(model, new LoraConfig { Rank = 4, TargetModules = ["q_proj", "v_proj"] }, seed: 1);
        var events = new List<TrainingEvent>();
        new Trainer(model, data, Options with { MaxSteps = 5, L2SpStrength = 1.0 }, directory.Sub("run")).Run(onEvent: events.Add);
        var penalties = events.OfType<StepCompleted>().Select(e => e.L2SpPenalty).ToList();

        Assert.Equal(0.0, penalties[0]); // B = 0: the adapted model is the base model
        Assert.True(penalties[^1] > penalties[1] && penalties[1] > 0, string.Join(", ", penalties));
    }

    /// <summary>
    /// The combinations a creator's run uses most, killed between checkpoints and run again: LoRA with adapter dropout,
    /// bf16 mixed precision, replay of general text, full fine-tuning with L2-SP. The resumed run must end exactly as
    /// the uninterrupted one: the same losses at every step and byte-identical saved weights.
    /// </summary>
    [Theory]
    [InlineData("lora", "bfloat16_mixed", true)]
    [InlineData("lora", "float32", true)]
    [InlineData("full", "bfloat16_mixed", false)]
    public void A_killed_fine_tuning_run_resumes_to_exactly_the_uninterrupted_result(string method, string precision, bool replay)
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, Llama());
        var dataFile = directory.Write("alice.jsonl", Exchanges(12));
        var general = directory.Write("general.txt", Enumerable.Range(0, 30).Select(i => $"General text number {i}, plain and calm.\n").ToArray());
        var options = new FineTuningOptions
        {
            Method = method == "lora" ? FineTuningMethod.Lora : FineTuningMethod.Full,
            Lora = method == "lora" ? new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) } : null,
            Data = new() { SequenceLength = 64, ValidationFraction = 0.25, Seed = 5 },
            Training = Options with
            {
                MaxSteps = 10, EvaluateEverySteps = 3, CheckpointEverySteps = 4, KeepLastCheckpoints = 2, EarlyStoppingPatience = 50,
                Precision = precision == "float32" ? TrainingPrecision.Float32 : TrainingPrecision.BFloat16Mixed,
                L2SpStrength = method == "full" ? 0.01 : 0, Dropout = 0.1,
            },
            ReplayFile = replay ? general : null,
            ReplayFraction = 0.3,
        };
        var straight = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "straight"), options);

        var killedDirectory = Path.Combine(directory.Path, "killed");
        Assert.Throws<SimulatedKill>(() => FineTuning.Run(basePath, [dataFile], killedDirectory, options,
            e => { if (e is StepCompleted { Step: 6 }) throw new SimulatedKill(); }));
        var events = new List<TrainingEvent>();
        var resumed = FineTuning.Run(basePath, [dataFile], killedDirectory, options, events.Add);

        Assert.Equal(4, Assert.IsType<RunStarted>(events[0]).ResumedFromStep);
        Assert.Equal(straight.Training.TrainLosses, resumed.Training.TrainLosses);
        Assert.Equal(straight.Training.Evaluations.Select(e => e.Loss), resumed.Training.Evaluations.Select(e => e.Loss));
        var saved = method == "lora" ? (Directory: "adapter", File: "adapter_model.safetensors") : (Directory: "model", File: "model.safetensors");
        Assert.Equal(File.ReadAllBytes(Path.Combine(directory.Path, "straight", saved.Directory, saved.File)),
            File.ReadAllBytes(Path.Combine(killedDirectory, saved.Directory, saved.File)));
    }

    /// <summary>
    /// General English replayed beside a creator's chats is plain text: it is read in its own format (documents split
    /// at the data options' separator), not refused as a chat file with no JSON on its first line.
    /// </summary>
    [Fact]
    public void A_chat_run_replays_a_plain_text_file_in_its_own_format()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, Llama());
        var dataFile = directory.Write("alice.jsonl", Exchanges(12));
        var general = directory.Write("general.txt", Enumerable.Range(0, 30).Select(i => $"General text number {i}, plain and calm.\n%").ToArray());
        var options = new FineTuningOptions
        {
            Method = FineTuningMethod.Full,
            Data = new() { SequenceLength = 64, ValidationFraction = 0.25, Seed = 5, Format = DatasetFormat.Chat, PlainTextSeparator = "%" },
            Training = Options with { MaxSteps = 4, EvaluateEverySteps = 2 },
            ReplayFile = general,
            ReplayFraction = 0.5,
        };

        var withReplay = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "replay"), options);
        var without = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "plain"), options with { ReplayFile = null });

        Assert.Equal(4, withReplay.Training.Steps);
        // Half of every batch is general text: the batches, and so the losses, are not those of a run without it.
        Assert.NotEqual(without.Training.TrainLosses, withReplay.Training.TrainLosses);
    }

    [Fact]
    public void Lora_training_continues_from_an_earlier_adapter()
    {
        using var directory = new TemporaryDirectory();
        var basePath = SaveBase(directory, Llama());
        var dataFile = directory.Write("alice.jsonl", Exchanges(12));
        var options = new FineTuningOptions
        {
            Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = LoraConfig.DefaultTargets(ModelFamily.Llama) },
            Data = new() { SequenceLength = 64, ValidationFraction = 0 },
            Training = Options with { MaxSteps = 20, LearningRate = 3e-2 },
            SaveMergedModel = false,
        };
        var first = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "v1"), options);

        var continued = FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "v2"),
            options with { Lora = null, InitialAdapter = first.AdapterDirectory, Training = options.Training with { MaxSteps = 3 } });

        // The continued run starts where the first ended, not where the first started.
        double start = continued.Training.TrainLosses[0], freshStart = first.Training.TrainLosses[0], firstEnd = first.Training.TrainLosses[^1];
        Assert.True(Math.Abs(start - firstEnd) < Math.Abs(start - freshStart) / 3,
            $"continued from {start:F3}; the first run went from {freshStart:F3} to {firstEnd:F3}");
        Assert.Equal(PeftAdapter.ReadConfig(first.AdapterDirectory!).Rank, PeftAdapter.ReadConfig(continued.AdapterDirectory!).Rank);
        Assert.Throws<ArgumentException>(() => FineTuning.Run(basePath, [dataFile], Path.Combine(directory.Path, "v3"),
            options with { InitialAdapter = first.AdapterDirectory }));
    }

    [Fact]
    public void Freezing_more_layers_than_the_base_has_is_bad_input_before_anything_is_written()
    {
        using var directory = new TemporaryDirectory();
        var config = Llama();
        var basePath = SaveBase(directory, config);
        var dataFile = directory.Write("alice.jsonl", Exchanges(12));
        var runDirectory = Path.Combine(directory.Path, "run");
        var options = new FineTuningOptions { Method = FineTuningMethod.Full, FrozenLayers = config.LayerCount + 1, Data = new() { SequenceLength = 64 } };

        var error = Assert.Throws<BadInputException>(() => FineTuning.Run(basePath, [dataFile], runDirectory, options));

        Assert.Contains($"the base model has {config.LayerCount}", error.Message);
        Assert.False(Directory.Exists(runDirectory));
    }

    sealed class SimulatedKill : Exception;
}
