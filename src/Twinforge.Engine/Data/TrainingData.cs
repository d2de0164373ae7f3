using System.Diagnostics.CodeAnalysis;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// From training files to packed training and validation sets: reads and validates every file (and the validation
/// file, if any), holds out documents when there is no validation file, and packs both sides. When the data has an
/// error nothing is packed: <see cref="Train"/> and <see cref="Validation"/> are null and <see cref="Report"/> says why.
/// </summary>
/// <example><code>
/// var data = TrainingData.Prepare(["posts.txt"], tokenizer, new TrainingDataOptions { SequenceLength = 256, Seed = 7 });
/// data.ThrowIfInvalid();
/// var batches = data.TrainBatches(batchSize: 8);
/// </code></example>
public sealed class TrainingData
{
    TrainingData(DatasetReport report, TrainingDataOptions options, PackedDataset? train, PackedDataset? validation)
    {
        Report = report;
        Options = options;
        Train = train;
        Validation = validation;
    }

    /// <summary>Every problem in every file, the training statistics and the held-out statistics.</summary>
    public DatasetReport Report { get; }

    public TrainingDataOptions Options { get; }

    /// <summary>The packed training sequences; null when the data has errors.</summary>
    public PackedDataset? Train { get; }

    /// <summary>The packed held-out sequences (empty when nothing is held out); null when the data has errors.</summary>
    public PackedDataset? Validation { get; }

    [MemberNotNullWhen(true, nameof(Train), nameof(Validation))]
    public bool IsValid => Train is not null && Validation is not null;

    /// <exception cref="InputFileException">The data has errors; names the first one's file and line and the count.</exception>
    [MemberNotNull(nameof(Train), nameof(Validation))]
    public void ThrowIfInvalid()
    {
        Report.ThrowIfInvalid();
        if (!IsValid) throw new InvalidOperationException("the data report has no error but nothing was packed");
    }

    /// <param name="trainingFiles">The creator's files; formats are detected per file unless <see cref="DatasetOptions.Format"/> is set.</param>
    /// <param name="tokenizer">The tokenizer of the model to be trained.</param>
    /// <param name="options">Sequence length, packing, held-out set, seed, over-long policy.</param>
    public static TrainingData Prepare(IReadOnlyList<string> trainingFiles, ITokenizer tokenizer, TrainingDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        var training = DatasetValidator.Validate(trainingFiles, tokenizer, options);
        var problems = training.Report.Problems.ToList();
        var files = training.Report.Files.ToList();
        // Statistics cover what was read even when there are errors; only valid data is packed.
        var trainExamples = training.ExamplesRead;
        IReadOnlyList<TokenizedExample> heldOutExamples = [];

        if (options.ValidationFile is string validationFile)
        {
            var heldOut = DatasetValidator.Validate([validationFile], tokenizer, options);
            problems.AddRange(heldOut.Report.Problems);
            files.AddRange(heldOut.Report.Files);
            heldOutExamples = heldOut.ExamplesRead;
            if (training.Report.IsValid && heldOut.Report.IsValid && HeldOutOverlap(validationFile, options.FileLabels?.GetValueOrDefault(validationFile), trainExamples, heldOutExamples) is { } overlap)
                problems.Add(overlap);
        }
        else if (options.Fold is { } fold && training.Report.IsValid)
        {
            int documents = training.Report.Statistics.Documents;
            if (documents < fold.Count)
                problems.Add(new DatasetProblem(trainingFiles[0], null, DatasetProblemKind.TooFewDocuments,
                    $"the training data has {documents} document(s), too few for {fold.Count} cross-validation folds"));
            else
                (trainExamples, heldOutExamples) = SeededDocumentSplit.ByFold(documents, fold, options.Seed).Apply(training.Examples);
        }
        else if (options.ValidationFraction > 0 && training.Report.IsValid)
        {
            int documents = training.Report.Statistics.Documents;
            if (documents < 2)
            {
                problems.Add(new DatasetProblem(trainingFiles[0], null, DatasetProblemKind.TooFewDocuments,
                    $"the training data has {documents} document, too few to hold one out for validation: add documents, " +
                    "give a validation file, or set the validation fraction to 0"));
            }
            else
            {
                var split = SeededDocumentSplit.ByDocument(documents, options.ValidationFraction, options.Seed);
                (trainExamples, heldOutExamples) = split.Apply(training.Examples);
            }
        }

        var report = new DatasetReport(problems, files, options.SequenceLength, trainExamples, heldOutExamples);
        if (!report.IsValid) return new TrainingData(report, options, null, null);
        var packer = SequencePacker.For(tokenizer, options.SequenceLength, options.Packing);
        return new TrainingData(report, options, packer.Pack(trainExamples), packer.Pack(heldOutExamples));
    }

    /// <summary>
    /// Held-out examples that are also training examples (the same tokens): all of them — the validation file is the
    /// training data, an error, as every verdict judged on it would be judged on what was trained on — or some, a
    /// warning, as their loss measures memory rather than generalisation. Null when none are.
    /// </summary>
    /// <remarks>
    /// The warning names the file by <paramref name="label"/> when it has one (a twin's held-out part is a scratch file;
    /// its label names the creator's files); the error keeps the path, which its caller translates to the user's file.
    /// </remarks>
    static DatasetProblem? HeldOutOverlap(string validationFile, string? label, IReadOnlyList<TokenizedExample> training, IReadOnlyList<TokenizedExample> heldOut)
    {
        if (heldOut.Count == 0) return null;
        var trained = training.Select(Key).ToHashSet(StringComparer.Ordinal);
        int shared = heldOut.Count(example => trained.Contains(Key(example)));
        if (shared == 0) return null;
        return shared == heldOut.Count
            ? new DatasetProblem(validationFile, null, DatasetProblemKind.HeldOutIsTrainingData,
                $"every one of its {heldOut.Count} examples is also in the training data: held-out data must be kept out of training " +
                "(is it the training file?); give conversations the run does not train on")
            : new DatasetProblem(label ?? validationFile, null, DatasetProblemKind.HeldOutOverlapsTraining,
                $"{shared} of its {heldOut.Count} examples are also in the training data: their loss measures memory, not how the model does on " +
                "new data; remove them from one of the files");

        static string Key(TokenizedExample example) => Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(example.Ids.AsSpan()));
    }

    /// <summary>Shuffled training batches seeded with <see cref="TrainingDataOptions.Seed"/>, optionally with replay.</summary>
    public BatchIterator TrainBatches(int batchSize, ReplayMixer? replay = null, BatchPosition start = default)
    {
        ThrowIfInvalid();
        return new BatchIterator(Train, batchSize, Options.Seed, replay, start);
    }

    /// <summary>The size of a training epoch with this batch size (see <see cref="DatasetReport.Estimate"/>).</summary>
    public RunEstimate Estimate(int batchSize, int gradientAccumulationSteps = 1) =>
        Report.Estimate(batchSize, Options.Packing, gradientAccumulationSteps);
}
