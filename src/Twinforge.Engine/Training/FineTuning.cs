using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Twinforge.Engine.Data;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using TorchSharp;

namespace Twinforge.Engine.Training;

/// <summary>
/// A whole fine-tuning job: load a Hugging Face model directory, validate and pack the creator's data, adapt the
/// model (LoRA, full, or from scratch), train with validation and early stopping, and write the results into the
/// run directory: <c>adapter/</c> (PEFT layout), <c>model/</c> (Hugging Face layout, merged), <c>metrics.jsonl</c>,
/// checkpoints, and <c>run.json</c>, the record of where it all came from. Running it again on the same run
/// directory resumes an interrupted job.
/// </summary>
/// <example><code>
/// var result = FineTuning.Run("models/base", ["alice.jsonl"], "runs/alice-v1", new FineTuningOptions(),
///     onEvent: e => Console.WriteLine(e));
/// Console.WriteLine($"best validation loss {result.Training.Best?.Loss} at step {result.Training.BestStep}");
/// </code></example>
public static class FineTuning
{
    public const string AdapterDirectoryName = "adapter";
    public const string ModelDirectoryName = "model";
    public const string RecordFileName = "run.json";

    /// <exception cref="InputFileException">The base model or the data is malformed; names the file and line or field. Nothing is trained.</exception>
    /// <exception cref="BadInputException">The options do not fit the base model (layers to freeze, LoRA targets). Nothing is trained.</exception>
    /// <param name="baseModelSource">
    /// Where the base came from when its directory is not the whole story, recorded in run.json as
    /// <c>base_model_source</c>: a Hub model pinned to its commit (<c>hf:ORG/NAME@COMMIT</c>), whose snapshot is the directory.
    /// </param>
    public static FineTuningResult Run(string baseModelDirectory, IReadOnlyList<string> dataFiles, string runDirectory,
        FineTuningOptions options, Action<TrainingEvent>? onEvent = null, CancellationToken cancellationToken = default, string? baseModelSource = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Training.Auto)
            return Search.HyperparameterSearch.Run(baseModelDirectory, dataFiles, runDirectory, options, onEvent, cancellationToken, baseModelSource);
        // From scratch, the weights are re-initialised: a directory with only config.json and a tokenizer is base enough.
        using var pretrained = options.Method == FineTuningMethod.FromScratch && !SafetensorsCheckpoint.IsSafetensorsCheckpoint(baseModelDirectory)
            ? PretrainedModel.LoadArchitecture(baseModelDirectory)
            : PretrainedModel.Load(baseModelDirectory, BaseDType(baseModelDirectory, options.Method));
        var model = pretrained.Network;
        if (options.FrozenLayers > model.Config.LayerCount)
            throw new BadInputException($"cannot freeze the first {options.FrozenLayers} layers: the base model has {model.Config.LayerCount}");
        var dataOptions = options.Data with
        {
            SequenceLength = Math.Min(options.Data.SequenceLength, model.Config.MaxPositions),
        };
        var data = TrainingData.Prepare(dataFiles, pretrained.Tokenizer, dataOptions);
        data.ThrowIfInvalid();
        var replay = options.ReplayFile is string replayFile ? LoadReplay(replayFile, pretrained, dataOptions, options.ReplayFraction) : null;

        AdapterSet? adapters = null;
        switch (options.Method)
        {
            case FineTuningMethod.Lora:
                if (options.InitialAdapter is string initial)
                {
                    adapters = PeftAdapter.Load(model, initial);
                    break;
                }
                var lora = (options.Lora ?? new LoraConfig()).ForFamily(model.Config.Family);
                adapters = LoraInjector.Apply(model, lora, options.Training.Seed);
                break;
            case FineTuningMethod.FromScratch:
                model.InitializeWeights(options.Training.Seed);
                break;
        }
        if (options.FreezeEmbeddings) ParameterFreezer.FreezeEmbeddings(model);
        if (options.FrozenLayers > 0) ParameterFreezer.FreezeFirstLayers(model, options.FrozenLayers);

        var trainer = new Trainer(model, data, options.Training, runDirectory, replay);
        var training = trainer.Run(onEvent, resume: true, cancellationToken);

        string? adapterDirectory = null, modelDirectory = null;
        if (!training.Cancelled)
        {
            if (adapters is not null)
            {
                adapterDirectory = Path.Combine(runDirectory, AdapterDirectoryName);
                AtomicDirectory.Write(adapterDirectory, directory => PeftAdapter.Save(adapters, directory, PeftBaseModel.Of(baseModelDirectory, baseModelSource)));
                if (options.SaveMergedModel) LoraMerger.Merge(model);
            }
            if (adapters is null || options.SaveMergedModel)
            {
                modelDirectory = Path.Combine(runDirectory, ModelDirectoryName);
                AtomicDirectory.Write(modelDirectory, directory => pretrained.Save(directory));
            }
        }
        var recordPath = Path.Combine(runDirectory, RecordFileName);
        WriteRecord(recordPath, baseModelDirectory, baseModelSource, dataFiles, options, data, training, adapterDirectory, modelDirectory);
        return new FineTuningResult(training, data.Report, adapterDirectory, modelDirectory, recordPath);
    }

    /// <summary>
    /// LoRA leaves the base frozen, so a bfloat16 checkpoint stays bfloat16 in memory, half of float32 (the adapters and
    /// their AdamW state are float32, and the trainer multiplies in whichever dtype is fast on the machine); full
    /// fine-tuning and training from scratch update every weight and keep float32 master weights.
    /// </summary>
    static torch.ScalarType BaseDType(string baseModelDirectory, FineTuningMethod method) =>
        method == FineTuningMethod.Lora &&
        TransformerConfig.Load(Path.Combine(baseModelDirectory, HuggingFaceModelCheckpoint.ConfigFileName)).TorchDtype == "bfloat16"
            ? torch.ScalarType.BFloat16
            : torch.ScalarType.Float32;

    static ReplayMixer LoadReplay(string file, PretrainedModel pretrained, TrainingDataOptions dataOptions, double fraction)
    {
        // In its own format: general text replayed beside chat data is plain text, not a malformed chat file.
        var replay = TrainingData.Prepare([file], pretrained.Tokenizer, dataOptions with { ValidationFraction = 0, ValidationFile = null, Format = DatasetFormat.Auto });
        replay.ThrowIfInvalid();
        return new ReplayMixer(replay.Train, fraction);
    }

    /// <summary>
    /// run.json: the base model, each data file with its SHA-256 (so a version can be traced to, and deleted with,
    /// the data it came from), the options, the data report (statistics, and per file what the over-long policy
    /// dropped or cut) and the training results.
    /// </summary>
    /// <summary>How people know a file the run read, when its path is not it (a scratch copy of a creator's data).</summary>
    static string? LabelOf(FineTuningOptions options, string file) =>
        options.Data.FileLabels is { } labels ? labels.GetValueOrDefault(file) ?? labels.GetValueOrDefault(Path.GetFullPath(file)) : null;

    static void WriteRecord(string path, string baseModelDirectory, string? baseModelSource, IReadOnlyList<string> dataFiles, FineTuningOptions options,
        TrainingData data, TrainingResult training, string? adapterDirectory, string? modelDirectory)
    {
        var serializer = RecordSerializer;
        var report = data.Report;
        var record = new JsonObject
        {
            ["base_model"] = Path.GetFullPath(baseModelDirectory),
            ["base_model_source"] = baseModelSource,
            ["data_files"] = new JsonArray(dataFiles.Select(file => (JsonNode)new JsonObject
            {
                ["path"] = Path.GetFullPath(file),
                ["sha256"] = Sha256(file),
                ["label"] = LabelOf(options, file),
            }).ToArray()),
            ["validation_file"] = options.Data.ValidationFile is string validation ? Path.GetFullPath(validation) : null,
            ["validation_label"] = options.Data.ValidationFile is string labelled ? LabelOf(options, labelled) : null,
            ["method"] = JsonSerializer.SerializeToNode(options.Method, serializer),
            // As trained: automatic precision recorded as what it resolved to, so the record repeats the run.
            ["options"] = JsonSerializer.SerializeToNode(options with { Training = options.Training with { Precision = training.Precision } }, serializer),
            // What was trained on and held out, and what the over-long policy left out or cut, file by file.
            ["data"] = new JsonObject
            {
                ["train"] = JsonSerializer.SerializeToNode(report.Statistics, serializer),
                ["held_out"] = JsonSerializer.SerializeToNode(report.HeldOutStatistics, serializer),
                ["sequence_length"] = report.SequenceLength,
                ["overlong_policy"] = JsonSerializer.SerializeToNode(data.Options.Overlong, serializer),
                ["max_dropped_fraction"] = data.Options.MaxDroppedFraction,
                ["files"] = JsonSerializer.SerializeToNode(report.Files, serializer),
            },
            ["result"] = JsonSerializer.SerializeToNode(training with { TrainLosses = [] }, serializer),
            ["adapter"] = adapterDirectory is null ? null : Path.GetFileName(adapterDirectory),
            ["model"] = modelDirectory is null ? null : Path.GetFileName(modelDirectory),
        };
        AtomicFile.WriteAllText(path, record.ToJsonString(new JsonSerializerOptions(serializer) { WriteIndented = true }));
    }

    /// <summary>run.json's JSON: the metrics log's conventions, with enums by name (<c>"lora"</c>, not <c>0</c>).</summary>
    static readonly JsonSerializerOptions RecordSerializer = new(MetricsLog.SerializerOptions)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
