using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Reporting;

namespace Twinforge.Twins;

/// <summary>
/// Trains one version from its plan, in a scratch directory: unpacks its datasets (verified), holds out part of the
/// new data, continues from the parent's weights, replays older data, judges on the fixed held-out set, and puts the
/// adapter (or full model) and the report into the artifact store. The same steps serve a new version and a rebuild,
/// so a rebuild trains exactly what the original did.
/// </summary>
public sealed class VersionTrainer(ITwinRegistry registry, IArtifactStore store)
{
    readonly CreatorData data = new(registry, store);

    /// <param name="scratchDirectory">Where it trains; a run left there by an interrupted attempt is resumed from its last checkpoint.</param>
    /// <param name="reportTitle">What the version's report is headed with (its run directory is scratch, deleted after).</param>
    /// <param name="evaluation">
    /// What to evaluate the trained version against (<see cref="Fidelity.VersionEvaluator"/>); null records no
    /// evaluation. Its figures go into the metrics and the report.
    /// </param>
    /// <param name="artifacts">
    /// What becomes of the weights and the report: stored (a version), only hashed (a rebuild, which compares its weights'
    /// hash with the record and must leave nothing in the store: what it stored was recorded by no one, and so survived
    /// the twin's deletion and its creator's withdrawal), or neither (a run that only measures, another seed's loss).
    /// </param>
    public TrainedVersion Train(VersionPlan plan, string scratchDirectory, Action<TrainingEvent>? onEvent, CancellationToken cancellationToken,
        string reportTitle, Fidelity.EvaluationSources? evaluation = null, ArtifactHandling artifacts = ArtifactHandling.Store)
    {
        var prepared = PrepareInputs(plan, scratchDirectory);
        var (basePath, inputs, origins, trainFile, fixedHeldOutFile, newHeldOutFile, replayCount, options) = prepared;
        if (OverlongPerFile(prepared) is { Count: > 0 } overlong) throw InputFileException.Combine(overlong);
        var startPath = basePath;
        // A refit starts from the base again, however many versions came before.
        if (plan.Parent is { } parent && plan.Recipe.UpdateMode == UpdateMode.Continue)
        {
            var recorded = new RecordedArtifacts(registry, store);
            // A parent that is a whole model (fully fine-tuned, as training: auto may choose for a LoRA recipe) is
            // continued as one: the recipe's training starts from its weights, and what it makes is merged into them.
            if (options.Method == FineTuningMethod.Lora && parent.Artifacts.Any(artifact => artifact.Kind == ArtifactReference.Adapter))
            {
                var adapter = Path.Combine(inputs, "parent-adapter");
                recorded.ExtractDirectory(ArtifactOf(parent, ArtifactReference.Adapter), adapter);
                options = options with { Lora = null, InitialAdapter = adapter };
            }
            else
            {
                startPath = Path.Combine(inputs, "parent-model");
                recorded.ExtractDirectory(ArtifactOf(parent, ArtifactReference.MergedModel), startPath);
                options = options with { SaveMergedModel = true };
            }
        }
        // An adapter trained on a parent's whole model is relative to that model, not to the base: only the merged
        // model is the version.
        bool storesAdapter = startPath == basePath || options.InitialAdapter is not null;

        var runDirectory = Path.Combine(scratchDirectory, "run");
        FineTuningResult result;
        IReadOnlyList<ExampleLoss>[] scored;
        try
        {
            result = FineTuning.Run(startPath, [trainFile], runDirectory, options, onEvent, cancellationToken);
            if (result.Training.Cancelled || cancellationToken.IsCancellationRequested) return Cancelled;
            _ = result.Training.Best ?? throw new InvalidOperationException("the run had no validation on its held-out data");
            onEvent?.Invoke(new StageStarted(result.Training.Steps, "Training done: scoring the held-out conversations with the final weights"));
            // Scored again by the final weights, example by example: the fixed set's per-conversation losses are what
            // a later version is compared with (and, without new held-out data, the same loss early stopping saw).
            scored = Evaluate(startPath, result, newHeldOutFile is null ? [fixedHeldOutFile] : [fixedHeldOutFile, newHeldOutFile], options);
        }
        catch (InputFileException error) when (origins.Knows(error.FilePath))
        {
            throw origins.Translate(error);
        }
        var best = result.Training.Best!;
        double? newHeldOutLoss = scored.Length > 1 ? MeanLoss(scored[1]) : null;
        Fidelity.VersionEvaluation? evaluated = null;
        // A cancel after the last update still stops the version, at the next boundary between these stages.
        if (cancellationToken.IsCancellationRequested) return Cancelled;
        if (evaluation is not null)
        {
            onEvent?.Invoke(new StageStarted(result.Training.Steps,
                "Evaluating the version: its answers to held-out prompts beside the base's, memorisation and forgetting"));
            // Held-out data of plain text has no prompts to answer: such a version is recorded without an evaluation.
            if (new Fidelity.VersionEvaluator(evaluation).Evaluate(new Fidelity.EvaluationSubject(basePath, () => result.LoadTrained(startPath),
                    options.ReplayFile is string replayed ? [trainFile, replayed] : [trainFile], fixedHeldOutFile, result.Data.Statistics.TrainableTokens,
                    options.Data, options.Training.BatchSize, plan.Recipe.Canary),
                    stage => onEvent?.Invoke(new StageStarted(result.Training.Steps, "Evaluating: " + stage))) is { } measured)
            {
                evaluated = measured.Figures;
                measured.Answers.Save(runDirectory);
            }
        }
        var metrics = new VersionMetrics(MeanLoss(scored[0]), newHeldOutLoss, VersionMetrics.FromJson(plan.Parent?.MetricsJson)?.FixedHeldOutLoss,
            best.Step, result.Training.Steps, result.Training.StoppedEarly, result.Data.Statistics.TrainableTokens, replayCount,
            scored[0].Select(example => example.Loss).ToList(), scored[0].Select(example => example.Targets).ToList(), evaluated, Search: result.Search);
        ReportSections.Save(runDirectory, [HeldOutLossSection.Of(metrics, VersionMetrics.FromJson(plan.Parent?.MetricsJson)), .. evaluated is null ? [] : Fidelity.EvaluationReport.Sections(evaluated)]);

        var made = new List<ArtifactReference>();
        if (cancellationToken.IsCancellationRequested) return Cancelled;
        if (artifacts == ArtifactHandling.None) return new TrainedVersion(metrics, made, Cancelled: false);
        Func<string, string> weights = artifacts == ArtifactHandling.Store ? store.PutDirectory : DirectoryArchive.HashOf;
        if (storesAdapter && result.AdapterDirectory is string adapterDirectory) made.Add(new(ArtifactReference.Adapter, weights(adapterDirectory)));
        if (result.ModelDirectory is string modelDirectory) made.Add(new(ArtifactReference.MergedModel, weights(modelDirectory)));
        if (artifacts == ArtifactHandling.Store) made.Add(new(ArtifactReference.Report, store.PutFile(RunReport.Write(runDirectory, reportTitle))));
        return new TrainedVersion(metrics, made, Cancelled: false);
    }

    /// <summary>
    /// Evaluates a version already trained (<see cref="Fidelity.VersionEvaluator"/>) on the data its plan names: its
    /// weights from the store, its training and fixed held-out data unpacked (verified) into the scratch directory.
    /// </summary>
    public (Fidelity.VersionEvaluation Figures, SampleSet Answers)? Evaluate(VersionPlan plan, TwinVersion version, string scratchDirectory,
        Fidelity.EvaluationSources sources, Action<string>? progress = null)
    {
        var (basePath, inputs, _, trainFile, fixedHeldOutFile, _, _, options) = PrepareInputs(plan, scratchDirectory);
        var recorded = new RecordedArtifacts(registry, store);
        var isAdapter = version.Artifacts.Any(artifact => artifact.Kind == ArtifactReference.Adapter);
        var weights = Path.Combine(inputs, "weights");
        recorded.ExtractDirectory(ArtifactOf(version, isAdapter ? ArtifactReference.Adapter : ArtifactReference.MergedModel), weights);
        PretrainedModel Load()
        {
            if (!isAdapter) return PretrainedModel.Load(weights);
            var model = PretrainedModel.Load(basePath);
            PeftAdapter.Load(model.Network, weights);
            return model;
        }
        long creatorTokens = VersionMetrics.FromJson(version.MetricsJson)?.TrainedTokens ?? 0;
        return new Fidelity.VersionEvaluator(sources).Evaluate(new Fidelity.EvaluationSubject(basePath, Load,
            options.ReplayFile is string replayed ? [trainFile, replayed] : [trainFile], fixedHeldOutFile, creatorTokens, options.Data, options.Training.BatchSize,
            plan.Recipe.Canary), progress);
    }

    /// <summary>
    /// Checks the plan's data as training will read it — with the base model's tokenizer and the recipe's data options
    /// (sequence length, what happens to over-long examples, how many may be dropped) — before anything trains: every
    /// problem located in the creator's own file and line. Nothing is stored or recorded.
    /// </summary>
    public DataCheck Check(VersionPlan plan, string scratchDirectory)
    {
        var inputs = PrepareInputs(plan, scratchDirectory);
        var (basePath, _, origins, trainFile, _, _, _, options) = inputs;
        var prepared = TrainingData.Prepare([trainFile], Engine.Tokenization.TokenizerLoader.Load(basePath), options.Data);
        var problems = prepared.Report.Problems.Select(problem =>
        {
            var error = new InputFileException(problem.FilePath, problem.Reason, problem.Field, problem.Line);
            return (problem.IsError, Located: origins.Knows(problem.FilePath) ? origins.Translate(error) : error);
        }).ToList();
        return new DataCheck([.. OverlongPerFile(inputs), .. problems.Where(p => p.IsError).Select(p => p.Located)],
            problems.Where(p => !p.IsError).Select(p => p.Located).ToList());
    }

    /// <summary>The plan's data unpacked (verified) and split into the files training reads, and the options that name them.</summary>
    PreparedInputs PrepareInputs(VersionPlan plan, string scratchDirectory)
    {
        var recipe = plan.Recipe;
        var basePath = BaseModels.RequireUnchanged(plan.BaseModel);
        // Unpacked afresh on a resume too: the same bytes, so the run's checkpoint still matches its data.
        var inputs = Path.Combine(scratchDirectory, "inputs");
        if (Directory.Exists(inputs)) Directory.Delete(inputs, recursive: true);
        Directory.CreateDirectory(inputs);

        // Training reads scratch files; the engine's problems with them are translated back to the user's files.
        var origins = new ExampleOrigins();
        var newTrain = new List<string>();
        var newHeldOut = new List<string>();
        var newParts = new List<string>();
        foreach (var dataset in plan.NewData)
        {
            var (train, heldOut) = ContentHashSplit.Split(origins.Learn(data.SourcedExamples(dataset, inputs)), recipe.NewDataHeldOutFraction);
            newTrain.AddRange(train);
            newHeldOut.AddRange(heldOut);
            newParts.Add(origins.Write(Path.Combine(inputs, $"train-part-{newParts.Count + 1}.jsonl"), train, [dataset]));
        }
        // Older data is replayed without its held-out part, which earlier versions were judged on.
        var replay = plan.ReplayData
            .SelectMany(dataset => ContentHashSplit.Split(origins.Learn(data.SourcedExamples(dataset, inputs)), recipe.NewDataHeldOutFraction).Train).ToList();
        // A refit trains on everything in full: the older data's training parts join the new, and nothing is replayed.
        bool refit = recipe.UpdateMode == UpdateMode.Refit;
        var trainFile = refit
            ? origins.Write(Path.Combine(inputs, "train.jsonl"), Planted([.. newTrain, .. replay], recipe.Canary), [.. plan.NewData, .. plan.ReplayData])
            : origins.Write(Path.Combine(inputs, "train.jsonl"), Planted(newTrain, recipe.Canary), plan.NewData);
        var fixedHeldOutFile = origins.Write(Path.Combine(inputs, "heldout.jsonl"), origins.Learn(data.SourcedExamples(plan.FixedHeldOut, inputs)),
            [plan.FixedHeldOut]);
        var newHeldOutFile = newHeldOut.Count > 0 ? origins.Write(Path.Combine(inputs, "new-heldout.jsonl"), newHeldOut, plan.NewData) : null;
        var replayFile = !refit && replay.Count > 0 && recipe.ReplayFraction > 0 ? origins.Write(Path.Combine(inputs, "replay.jsonl"), replay, plan.ReplayData) : null;

        // Early stopping and the best weights are chosen on the new data's held-out part, so the fixed held-out set
        // that compares versions is scored once, by weights it did not select (without new held-out data, it does both).
        var selectionFile = newHeldOutFile ?? fixedHeldOutFile;
        // Notices (examples dropped for their length) name the creator's files, not these scratch ones.
        string Sources(IEnumerable<Dataset> datasets) => string.Join(", ", datasets.SelectMany(dataset => dataset.SourceFiles).Distinct());
        var labels = new Dictionary<string, string>
        {
            [trainFile] = refit ? $"the training parts of {Sources([.. plan.NewData, .. plan.ReplayData])}" : $"the training part of {Sources(plan.NewData)}",
            [fixedHeldOutFile] = $"the held-out set {Sources([plan.FixedHeldOut])}",
        };
        if (newHeldOutFile is not null) labels[newHeldOutFile] = $"the held-out part of {Sources(plan.NewData)}";
        if (replayFile is not null) labels[replayFile] = $"the replayed part of {Sources(plan.ReplayData)}";
        var options = recipe.Options with
        {
            Data = recipe.Options.Data with { ValidationFile = selectionFile, FileLabels = labels },
            ReplayFile = replayFile,
            ReplayFraction = recipe.ReplayFraction,
        };
        // Merged with other data, a new file's own share of over-long examples is judged only when it is the one source.
        bool merged = plan.NewData.Count > 1 || refit && replay.Count > 0;
        return new PreparedInputs(basePath, inputs, origins, trainFile, fixedHeldOutFile, newHeldOutFile, refit ? 0 : replay.Count, options)
        {
            SeparatelyJudgedParts = merged ? newParts : [],
        };
    }

    /// <summary>
    /// The training lines with the recipe's canary (if any) planted among them, its copies evenly spaced. A canary is a
    /// conversation: it can be planted only in chat data.
    /// </summary>
    static IReadOnlyList<string> Planted(IReadOnlyList<string> lines, Fidelity.PlantedCanary? canary)
    {
        if (canary is null || lines.Count == 0) return lines;
        if (!IsChat(lines[0]))
            throw new BadInputException("canary_repeats: a canary is a conversation, so it can be planted only in chat data (lines with \"messages\"); this twin's data is not");
        var planted = lines.ToList();
        for (int copy = canary.Repeats; copy >= 1; copy--)
            planted.Insert((int)((long)lines.Count * copy / (canary.Repeats + 1)), canary.ChatLine());
        return planted;
    }

    static bool IsChat(string line)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(line);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("messages", out _);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    sealed record PreparedInputs(string BasePath, string Inputs, ExampleOrigins Origins, string TrainFile, string FixedHeldOutFile, string? NewHeldOutFile,
        int ReplayCount, FineTuningOptions Options)
    {
        /// <summary>Each new file's training part, written apart when the training file merges it with other data.</summary>
        public IReadOnlyList<string> SeparatelyJudgedParts { get; init; } = [];
    }

    /// <summary>
    /// Each new file's training part held to the share of over-long examples that may be dropped
    /// (<c>data_options.max_dropped_fraction</c>) on its own, as a twin's first version holds its file: merged with the
    /// twin's other data (a refit trains on all of it), a new file most of whose examples are too long passed within
    /// the whole's share, and had them dropped. The errors name the file.
    /// </summary>
    static IReadOnlyList<InputFileException> OverlongPerFile(PreparedInputs prepared)
    {
        if (prepared.SeparatelyJudgedParts.Count == 0 || prepared.Options.Data.Overlong != OverlongPolicy.Drop) return [];
        var tokenizer = Engine.Tokenization.TokenizerLoader.Load(prepared.BasePath);
        var options = prepared.Options.Data with { ValidationFile = null, ValidationFraction = 0, FileLabels = null };
        return prepared.SeparatelyJudgedParts
            .SelectMany(part => TrainingData.Prepare([part], tokenizer, options).Report.Errors.Where(problem => problem.Kind == DatasetProblemKind.TooManyDropped))
            .Select(problem => prepared.Origins.Translate(new InputFileException(problem.FilePath, problem.Reason, problem.Field, problem.Line)))
            .ToList();
    }

    /// <summary>The content hash of a version's artifact of one kind.</summary>
    public static string ArtifactOf(TwinVersion version, string kind) =>
        version.Artifacts.FirstOrDefault(artifact => artifact.Kind == kind)?.ContentHash
        ?? throw new Registry.Errors.RegistryException($"version {version.Number} of twin {version.TwinId} has no {kind} artifact");

    static readonly VersionMetrics EmptyMetrics = new(double.NaN, null, null, 0, 0, false, 0, 0);

    /// <summary>A version whose training or evaluation was cancelled: nothing measured, nothing stored.</summary>
    static TrainedVersion Cancelled => new(EmptyMetrics, [], Cancelled: true);

    /// <summary>
    /// The trained model's loss on each example of each held-out file (base + adapter for LoRA, the saved model for
    /// full), loaded once.
    /// </summary>
    static IReadOnlyList<ExampleLoss>[] Evaluate(string basePath, FineTuningResult result, IReadOnlyList<string> files, FineTuningOptions options)
    {
        using var model = result.LoadTrained(basePath);
        return files.Select(file =>
        {
            var prepared = TrainingData.Prepare([file], model.Tokenizer, options.Data with { ValidationFile = null, ValidationFraction = 0 });
            prepared.ThrowIfInvalid();
            return ExampleLoss.Score(model.Network, prepared.Train!, options.Training.BatchSize);
        }).ToArray();
    }

    /// <summary>Loss per target token over all the examples: what <see cref="Evaluation.Run"/> gives on the same data.</summary>
    static double MeanLoss(IReadOnlyList<ExampleLoss> examples)
    {
        long targets = examples.Sum(example => example.Targets);
        if (targets == 0) throw new InvalidOperationException("the held-out set has no target tokens to score the version on");
        return examples.Sum(example => example.SummedLoss) / targets;
    }
}
