using System.Globalization;
using System.Text;

namespace Twinforge.Engine.Data;

/// <summary>
/// The outcome of checking training data before any training: every problem with its file and line, what happened
/// to over-long examples, and statistics with an estimate of a run. Nothing is trained while it has errors.
/// </summary>
/// <example><code>
/// var dataset = DatasetValidator.Validate(["posts.txt"], tokenizer, new DatasetOptions { SequenceLength = 256 });
/// Console.WriteLine(dataset.Report.Summary());
/// dataset.Report.ThrowIfInvalid();
/// </code></example>
public sealed class DatasetReport
{
    readonly int[] _trainLengths;

    internal DatasetReport(
        IReadOnlyList<DatasetProblem> problems,
        IReadOnlyList<DatasetFileSummary> files,
        int sequenceLength,
        IReadOnlyList<TokenizedExample> trained,
        IReadOnlyList<TokenizedExample>? heldOut)
    {
        Problems = problems;
        Files = files;
        SequenceLength = sequenceLength;
        Statistics = DatasetStatistics.Of(trained);
        HeldOutStatistics = heldOut is null ? null : DatasetStatistics.Of(heldOut);
        _trainLengths = trained.Select(example => example.Length).ToArray();
    }

    /// <summary>Every problem, in file and line order (errors and warnings).</summary>
    public IReadOnlyList<DatasetProblem> Problems { get; }

    public IReadOnlyList<DatasetProblem> Errors => Problems.Where(problem => problem.IsError).ToList();

    public IReadOnlyList<DatasetProblem> Warnings => Problems.Where(problem => !problem.IsError).ToList();

    /// <summary>True when there is no error (warnings allowed).</summary>
    public bool IsValid => !Problems.Any(problem => problem.IsError);

    /// <summary>Each file read, with the format it was read as.</summary>
    public IReadOnlyList<DatasetFileSummary> Files { get; }

    /// <summary>What the over-long policy did, over every file (training and held-out).</summary>
    public OverlongCounts Overlong => Files.Aggregate(OverlongCounts.None, (total, file) => total.Add(file.Overlong));

    /// <summary>
    /// One sentence per file whose examples were dropped or truncated for being longer than the sequence length, for
    /// people: a run says them at its start, so no example is left out or cut in silence. Split documents are whole.
    /// </summary>
    public IReadOnlyList<string> DataLossNotices() =>
        Files.Where(file => file.Overlong.Dropped + file.Overlong.Truncated > 0).Select(DataLossNotice).ToList();

    /// <summary>
    /// What a run says at its start about its data: <see cref="DataLossNotices"/>, then held-out examples also trained
    /// on and files read as plain text that look like JSON Lines.
    /// </summary>
    public IReadOnlyList<string> RunNotices() =>
    [
        .. DataLossNotices(),
        .. Warnings.Where(problem => problem.Kind is DatasetProblemKind.HeldOutOverlapsTraining or DatasetProblemKind.LooksLikeJsonLines)
            .Select(problem => $"{(problem.Line is null ? problem.FilePath : $"{problem.FilePath}:{problem.Line}")}: {problem.Reason}"),
    ];

    string DataLossNotice(DatasetFileSummary file)
    {
        var counts = file.Overlong;
        var outcomes = new List<string>();
        if (counts.Dropped > 0) outcomes.Add($"{counts.Dropped} {(counts.Dropped == 1 ? "was" : "were")} dropped");
        if (counts.Truncated > 0) outcomes.Add($"{counts.Truncated} {(counts.Truncated == 1 ? "was" : "were")} truncated to their last {SequenceLength} tokens");
        int over = counts.Dropped + counts.Truncated;
        return $"{file.Name}: {over} of {counts.DocumentsRead} examples {(over == 1 ? "is" : "are")} longer than the sequence length " +
               $"of {SequenceLength} tokens (the longest has {counts.LongestTokens}): {string.Join(", ", outcomes)}";
    }

    /// <summary>The sequence length examples were checked against.</summary>
    public int SequenceLength { get; }

    /// <summary>The examples trained on (after the held-out split, when there is one).</summary>
    public DatasetStatistics Statistics { get; }

    /// <summary>The held-out examples, or null when no split was made (the report of <see cref="DatasetValidator"/> alone).</summary>
    public DatasetStatistics? HeldOutStatistics { get; }

    /// <summary>
    /// The size of an epoch over the trained examples with <paramref name="batchSize"/> sequences of
    /// <see cref="SequenceLength"/> tokens, packed as <see cref="SequencePacker"/> packs them. Replayed general-domain
    /// sequences are not counted.
    /// </summary>
    public RunEstimate Estimate(int batchSize, bool packing = true, int gradientAccumulationSteps = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gradientAccumulationSteps, 1);
        int sequences = SequencePacker.CountSequences(_trainLengths, SequenceLength, packing);
        int batches = (sequences + batchSize - 1) / batchSize;
        long positions = (long)sequences * SequenceLength;
        return new RunEstimate(
            SequenceLength,
            batchSize,
            sequences,
            batches,
            (batches + gradientAccumulationSteps - 1) / gradientAccumulationSteps,
            positions,
            Statistics.TrainableTokens,
            positions == 0 ? 0 : 1 - (double)Statistics.TotalTokens / positions);
    }

    /// <summary>
    /// Throws when the data has errors, naming the first one's file and line and how many there are.
    /// </summary>
    /// <exception cref="InputFileException">The data has at least one error.</exception>
    public void ThrowIfInvalid()
    {
        var errors = Errors;
        if (errors.Count == 0) return;
        var first = errors[0];
        var count = errors.Count == 1
            ? "the only error in the training data"
            : $"first of {errors.Count} errors in the training data; 'twinforge data validate' lists each with its file and line";
        throw new InputFileException(first.FilePath, $"{first.Reason} ({count})", first.Field, first.Line);
    }

    /// <summary>A few lines for people: the problems, then the statistics.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        foreach (var problem in Problems) text.AppendLine(problem.ToString());
        foreach (var file in Files)
        {
            text.Append(culture, $"{file.Path}: {file.Format?.ToString() ?? "unread"}, {Count(file.Documents, "document")}, {Count(file.Examples, "example")}");
            var overlong = file.Overlong;
            if (overlong.Overlong > 0)
                text.Append(culture, $"; {overlong.Overlong} of {overlong.DocumentsRead} over {SequenceLength} tokens " +
                    $"({overlong.Dropped} dropped, {overlong.Truncated} truncated, {overlong.Split} split)");
            text.AppendLine();
        }
        AppendStatistics(text, "train", Statistics);
        if (HeldOutStatistics is { Documents: > 0 }) AppendStatistics(text, "held out", HeldOutStatistics);
        else if (HeldOutStatistics is not null)
            text.AppendLine(IsValid ? "held out: nothing" : "held out: not chosen while the data has errors (the train line counts every example read)");
        var errors = Errors.Count;
        text.Append(culture, $"{Count(errors, "error")}, {Count(Problems.Count - errors, "warning")}");
        return text.ToString();
    }

    static void AppendStatistics(StringBuilder text, string name, DatasetStatistics statistics) =>
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{name}: {Count(statistics.Documents, "document")}, {Count(statistics.Examples, "example")}, {statistics.TotalTokens} tokens " +
            $"({statistics.TrainableTokens} trained on), tokens per example min {statistics.MinTokens} / mean {statistics.MeanTokens:F1} / max {statistics.MaxTokens}");

    static string Count(long count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
