using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// Measures a version against its base on the creator's data and beyond it (<see cref="VersionEvaluation"/>): held-out
/// loss, the stylometric judge's attribution of both models' answers to the held-out prompts, memorisation of the
/// training answers (verbatim n-grams, copies, extraction), and the loss on held-out general text. Both models answer
/// the same prompts with the same sampling and seeds, so every difference is the models'.
/// </summary>
/// <example><code>
/// var evaluation = new VersionEvaluator(sources).Evaluate(new EvaluationSubject(basePath, loadTwin, ["train.jsonl"], "heldout.jsonl", 12_000, data, 8));
/// </code></example>
public sealed class VersionEvaluator(EvaluationSources sources, EvaluationOptions? options = null)
{
    const string Creator = "the creator";
    readonly EvaluationOptions options = options ?? new EvaluationOptions();

    /// <summary>Answers are sampled lightly (as the run reports sample them), a seed per prompt.</summary>
    static GenerationOptions Sampling(int prompt) => new() { MaxNewTokens = 60, Temperature = 0.7, TopK = 20, Seed = 1 + prompt };

    /// <summary>
    /// The figures, and the prompts with the creator's, the twin's and the base's answers (for the report); null when
    /// the held-out data has no prompt and answer to evaluate on (plain text: a twin of documents, not of replies).
    /// </summary>
    /// <param name="progress">Told, in words, as each model's measuring and the judge's training begin: they take minutes.</param>
    public (VersionEvaluation Figures, Reporting.SampleSet Answers)? Evaluate(EvaluationSubject subject, Action<string>? progress = null)
    {
        var canaryLine = subject.Canary?.ChatLine();
        var training = HeldOutConversation.Read(subject.TrainingFiles.SelectMany(File.ReadLines).Where(line => line != canaryLine));
        var heldOut = HeldOutConversation.Read(File.ReadLines(subject.HeldOutFile));
        if (heldOut.Count == 0) return null;
        var prompts = EvenSpread.Of(heldOut, options.MaxAnswers);
        var trials = ExtractionTrial.From(training, options.ExtractionTrials);

        string Work(string model) => $"{model} answers {prompts.Count} held-out prompts, completes {trials.Count} training answers from their first half" +
                                     (subject.Canary is null ? "" : ", is tried on the canary") +
                                     $" and is scored on the held-out conversations{(sources.GeneralTextFile is null ? "" : " and general text")}";
        progress?.Invoke(Work("the base"));
        var (baseLosses, baseAnswers, baseExtracted, baseExposure) = Measure(PretrainedModel.Load(subject.BasePath), subject, prompts, trials);
        progress?.Invoke(Work("the twin"));
        var (twinLosses, twinAnswers, twinExtracted, twinExposure) = Measure(subject.LoadTwin(), subject, prompts, trials);
        if (sources.OtherAuthors.Count > 0) progress?.Invoke($"the stylometric judge learns the creator's style against {sources.OtherAuthors.Count} other authors and attributes both models' answers");

        var trainingAnswers = training.Select(conversation => conversation.Answer).ToList();
        var verbatim = new VerbatimNgrams(trainingAnswers, options.NgramLength);
        var (twinFound, twinNgrams) = verbatim.Count(twinAnswers);
        var (baseFound, baseNgrams) = verbatim.Count(baseAnswers);
        var known = trainingAnswers.Select(Normalised).Where(words => words.Length > 0).ToHashSet(StringComparer.Ordinal);
        int copied = twinAnswers.Count(answer => Normalised(answer) is { Length: > 0 } words && known.Contains(words));

        var fidelity = new FidelityFigures(twinLosses.HeldOut, baseLosses.HeldOut, subject.CreatorTokens, prompts.Count,
            Attribution(trainingAnswers, heldOut.Select(conversation => conversation.Answer).ToList(), twinAnswers, baseAnswers));
        var memorisation = new MemorisationFigures(options.NgramLength, Share(twinFound, twinNgrams), twinNgrams, Share(baseFound, baseNgrams), baseNgrams,
            copied, trials.Count, twinExtracted, baseExtracted,
            subject.Canary is { } canary ? new CanaryFigures(canary.Repeats, twinExposure!.Value, baseExposure!.Value, PlantedCanary.Audit.MaximumExposure) : null);
        ForgettingFigures? forgetting = null;
        if (baseLosses.General is { } baseGeneral && twinLosses.General is { } twinGeneral)
        {
            var targets = twinGeneral.Select(example => example.Targets).ToList();
            forgetting = new ForgettingFigures(Path.GetFileName(sources.GeneralTextFile!), twinGeneral.Count, Mean(baseGeneral), Mean(twinGeneral),
                twinGeneral.Count >= PairedBootstrap.MinimumItems
                    ? PairedBootstrap.Compare(baseGeneral.Select(example => example.Loss).ToList(), twinGeneral.Select(example => example.Loss).ToList(),
                        targets.Select(target => (double)target).ToList())
                    : null,
                twinGeneral.Select(example => example.Loss).ToList(), targets);
        }
        var samples = new Reporting.SampleSet(prompts.Select((conversation, index) => new Reporting.Sample(
            conversation.Context.Last().Content,
            new Dictionary<string, string> { [Creator] = conversation.Answer, ["twin"] = twinAnswers[index], ["base"] = baseAnswers[index] })).ToList());
        return (new VersionEvaluation(fidelity, memorisation, forgetting), samples);
    }

    sealed record Losses(double HeldOut, IReadOnlyList<ExampleLoss>? General);

    /// <summary>One model's losses, answers, extraction successes and exposure of the planted canary; the model is disposed after.</summary>
    (Losses Losses, List<string> Answers, int Extracted, double? Exposure) Measure(PretrainedModel loaded, EvaluationSubject subject,
        IReadOnlyList<HeldOutConversation> prompts, IReadOnlyList<ExtractionTrial> trials)
    {
        using var model = loaded;
        var heldOut = Score(model, subject.HeldOutFile, subject.DataOptions with { ValidationFile = null, ValidationFraction = 0 }, subject.BatchSize);
        IReadOnlyList<ExampleLoss>? general = null;
        if (sources.GeneralTextFile is string generalFile)
        {
            var all = Score(model, generalFile, new TrainingDataOptions
            {
                SequenceLength = subject.DataOptions.SequenceLength, Format = DatasetFormat.PlainText, PlainTextSeparator = sources.GeneralTextSeparator,
                Overlong = OverlongPolicy.Split, ValidationFraction = 0, Packing = false,
            }, subject.BatchSize);
            general = EvenSpread.Of(all, options.MaxGeneralDocuments);
        }
        var answers = prompts.Select((conversation, index) => model.Chat(conversation.Context, Sampling(index)).Text.Trim()).ToList();
        using var generator = new TokenGenerator(model.Network);
        int extracted = trials.Count(trial => trial.Succeeds(model, generator));
        double? exposure = subject.Canary is { } canary ? PlantedCanary.Audit.Exposure(model, canary.Secret, sequenceLength: subject.DataOptions.SequenceLength) : null;
        return (new Losses(Mean(heldOut), general), answers, extracted, exposure);
    }

    static IReadOnlyList<ExampleLoss> Score(PretrainedModel model, string file, TrainingDataOptions data, int batchSize)
    {
        var prepared = TrainingData.Prepare([file], model.Tokenizer, data);
        prepared.ThrowIfInvalid();
        return ExampleLoss.Score(model.Network, prepared.Train!, batchSize);
    }

    AttributionFigures? Attribution(IReadOnlyList<string> trainingAnswers, IReadOnlyList<string> heldOutAnswers, List<string> twinAnswers, List<string> baseAnswers)
    {
        if (sources.OtherAuthors.Count == 0) return null;
        var stylometry = new StylometryOptions(ChunkWords: options.ChunkWords);
        var training = new Dictionary<string, IReadOnlyList<string>> { [Creator] = trainingAnswers };
        var heldOut = new Dictionary<string, IReadOnlyList<string>> { [Creator] = heldOutAnswers };
        foreach (var (author, texts) in sources.OtherAuthors)
        {
            // Every fifth text held out: the judge is scored on text it did not learn from, as the twin's answers are.
            training[author] = texts.Where((_, index) => index % 5 != 4).ToList();
            heldOut[author] = texts.Where((_, index) => index % 5 == 4).ToList();
        }
        var (judge, accuracy) = StylometricJudge.TrainBest(training, heldOut, Creator, stylometry);
        var twinChunks = StylometricJudge.Chunks(twinAnswers, options.ChunkWords);
        var baseChunks = StylometricJudge.Chunks(baseAnswers, options.ChunkWords);
        return new AttributionFigures(judge.Measure.ToString(), accuracy.BalancedAccuracy, accuracy.CreatorRecall,
            judge.ShareAttributedTo(Creator, twinChunks), judge.ShareAttributedTo(Creator, baseChunks), options.ChunkWords,
            twinChunks.Count, baseChunks.Count, accuracy.CreatorChunks, accuracy.OtherChunks, sources.OtherAuthors.Keys.ToList());
    }

    static string Normalised(string text) => string.Join(' ', VerbatimNgrams.Words(text));

    static double Share(int found, int total) => total == 0 ? 0 : (double)found / total;

    static double Mean(IReadOnlyList<ExampleLoss> examples)
    {
        long targets = examples.Sum(example => example.Targets);
        return targets == 0 ? double.NaN : examples.Sum(example => example.SummedLoss) / targets;
    }
}

/// <summary>
/// A version to evaluate: its base, how to load it (base + adapter, or its full model), the creator's training and
/// held-out chat files, how many creator tokens it trained on, the recipe's data options and batch size, and the
/// canary its recipe planted in the training data, if any (its exposure is then measured; its copies are not the creator's
/// answers, so the other memorisation figures leave them out).
/// </summary>
public sealed record EvaluationSubject(string BasePath, Func<PretrainedModel> LoadTwin, IReadOnlyList<string> TrainingFiles, string HeldOutFile, long CreatorTokens,
    TrainingDataOptions DataOptions, int BatchSize, PlantedCanary? Canary = null);
