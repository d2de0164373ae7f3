using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Data;

/// <summary>
/// Reads and checks training files before any training: every malformed line is reported with its file, line and
/// reason, over-long examples are handled by the <see cref="OverlongPolicy"/> and reported, and an empty file or one
/// with no usable example is an error. Nothing is skipped without a line in the report.
/// </summary>
/// <example><code>
/// var dataset = DatasetValidator.Validate(["chats.jsonl"], tokenizer, new DatasetOptions { SequenceLength = 512 });
/// dataset.Report.ThrowIfInvalid();   // InputFileException naming the first bad file:line
/// </code></example>
public static class DatasetValidator
{
    /// <param name="paths">The files, read in order; their documents are numbered across them.</param>
    /// <param name="tokenizer">The tokenizer of the model to be trained (its chat template renders conversations).</param>
    /// <param name="options">Sequence length, format, plain-text separator and over-long policy.</param>
    public static ValidatedDataset Validate(IReadOnlyList<string> paths, ITokenizer tokenizer, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        if (paths.Count == 0) throw new ArgumentException("no training files given", nameof(paths));
        options.Check();

        var problems = new List<DatasetProblem>();
        var examples = new List<TokenizedExample>();
        var files = new List<DatasetFileSummary>();
        foreach (var path in paths)
        {
            int documentsBefore = examples.Count == 0 ? 0 : examples[^1].Document + 1, examplesBefore = examples.Count;
            var (format, overlong) = ReadFile(path, tokenizer, options, examples, problems);
            int documentsAfter = examples.Count == 0 ? 0 : examples[^1].Document + 1;
            files.Add(new DatasetFileSummary(path, format, documentsAfter - documentsBefore, examples.Count - examplesBefore, overlong,
                options.FileLabels?.GetValueOrDefault(path)));
        }

        var report = new DatasetReport(problems, files, options.SequenceLength, examples, heldOut: null);
        return new ValidatedDataset(report, examples);
    }

    /// <summary>
    /// Reads one file into <paramref name="examples"/>; returns the format it was read as (or null) and what the
    /// over-long policy did to its documents.
    /// </summary>
    static (DatasetFormat? Format, OverlongCounts Overlong) ReadFile(string path, ITokenizer tokenizer, DatasetOptions options, List<TokenizedExample> examples, List<DatasetProblem> problems)
    {
        if (Directory.Exists(path))
        {
            // Reading a directory fails with "Access to the path is denied", which sends a user to the permissions.
            problems.Add(new DatasetProblem(path, null, DatasetProblemKind.Unreadable, "is a directory, not a data file"));
            return (null, OverlongCounts.None);
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add(new DatasetProblem(path, null, DatasetProblemKind.Unreadable, $"cannot be read: {error.Message}"));
            return (null, OverlongCounts.None);
        }

        var fileProblems = new List<DatasetProblem>();
        var lines = SourceLine.Split(bytes, path, fileProblems);
        if (fileProblems.Count == 0 && lines.All(line => string.IsNullOrWhiteSpace(line.Text)))
        {
            problems.Add(new DatasetProblem(path, null, DatasetProblemKind.EmptyFile, "is empty: it holds no training data"));
            return (null, OverlongCounts.None);
        }

        var format = options.Format == DatasetFormat.Auto ? DatasetFormatDetector.Detect(path, lines, fileProblems) : options.Format;
        var documents = format switch
        {
            DatasetFormat.Chat => ChatJsonlReader.Read(path, lines, tokenizer, fileProblems),
            DatasetFormat.PromptCompletion => PromptCompletionJsonlReader.Read(path, lines, tokenizer, fileProblems),
            DatasetFormat.PlainText => PlainTextReader.Read(path, lines, tokenizer, options.PlainTextSeparator, fileProblems),
            _ => [],
        };

        int nextDocument = examples.Count == 0 ? 0 : examples[^1].Document + 1, kept = 0, untrainable = 0;
        var overlong = OverlongCounts.None;
        foreach (var document in documents)
        {
            overlong = overlong.Add(Count(document.Ids.Length, options));
            var pieces = ApplyOverlongPolicy(document, path, options, fileProblems);
            var usable = pieces.Where(piece => HasTargets(piece.Trainable)).ToList();
            if (pieces.Count > 0 && usable.Count == 0)
            {
                untrainable++;
                fileProblems.Add(new DatasetProblem(path, document.Line, DatasetProblemKind.NoTrainableTokens,
                    Untrainable(document, format)));
            }
            if (usable.Count == 0) continue;
            foreach (var piece in usable) examples.Add(new TokenizedExample(piece.Ids, piece.Trainable, nextDocument, path, document.Line));
            nextDocument++;
            kept++;
        }

        // Reported with the file's other problems sorted by line; whole-file problems come last.
        problems.AddRange(fileProblems.OrderBy(problem => problem.Line ?? long.MaxValue));
        if (kept == 0 && format is not null)
            problems.Add(new DatasetProblem(path, null, DatasetProblemKind.NoUsableExamples,
                $"has no usable examples{WhyNone(overlong, untrainable, options.SequenceLength)} (read as {Describe(format.Value)})"
                + (overlong.Dropped > 0 ? "; raise the sequence length, shorten the examples, or choose the truncate_left or split over-long policy" : "")));
        else if (overlong.DroppedFraction > options.MaxDroppedFraction)
            problems.Add(new DatasetProblem(path, null, DatasetProblemKind.TooManyDropped,
                $"{overlong.Dropped} of its {overlong.DocumentsRead} examples ({Percent(overlong.DroppedFraction)}) are longer than the sequence length " +
                $"of {options.SequenceLength} tokens and would be dropped, more than the {Percent(options.MaxDroppedFraction)} allowed " +
                $"(the longest has {overlong.LongestTokens} tokens): raise the sequence length, choose the truncate_left or split " +
                "over-long policy, or allow it (data_options.max_dropped_fraction in a recipe)"));
        return (format, overlong);
    }

    static string Percent(double fraction) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{fraction * 100:0.#}%");

    static OverlongCounts Count(int length, DatasetOptions options)
    {
        bool over = length > options.SequenceLength;
        return new OverlongCounts(1,
            Dropped: over && options.Overlong == OverlongPolicy.Drop ? 1 : 0,
            Truncated: over && options.Overlong == OverlongPolicy.TruncateLeft ? 1 : 0,
            Split: over && options.Overlong == OverlongPolicy.Split ? 1 : 0,
            LongestTokens: length);
    }

    /// <summary>Why no example of a file survived, when its lines were read but every example was then left out.</summary>
    static string WhyNone(OverlongCounts overlong, int untrainable, int sequenceLength)
    {
        int documents = overlong.DocumentsRead, dropped = overlong.Dropped;
        return documents == 0 ? ""
            : dropped == documents ? $": every example is longer than the sequence length of {sequenceLength} tokens (the longest has {overlong.LongestTokens})"
            : untrainable == documents ? ": no example has a token to train on"
            : $": {dropped} examples are longer than the sequence length of {sequenceLength} tokens and the other {untrainable} have no token to train on";
    }

    static List<SourceDocument> ApplyOverlongPolicy(SourceDocument document, string path, DatasetOptions options, List<DatasetProblem> problems)
    {
        int limit = options.SequenceLength, length = document.Ids.Length;
        if (length <= limit) return [document];
        var what = $"has {length} tokens, more than the sequence length of {limit}";
        switch (options.Overlong)
        {
            case OverlongPolicy.TruncateLeft:
                problems.Add(new DatasetProblem(path, document.Line, DatasetProblemKind.TooLong, $"{what}: truncated to its last {limit} tokens"));
                return [new SourceDocument(document.Ids[^limit..], document.Trainable[^limit..], document.Line)];
            case OverlongPolicy.Split:
                var pieces = new List<SourceDocument>();
                for (int start = 0; start < length; start += limit)
                {
                    int end = Math.Min(length, start + limit);
                    pieces.Add(new SourceDocument(document.Ids[start..end], document.Trainable[start..end], document.Line));
                }
                problems.Add(new DatasetProblem(path, document.Line, DatasetProblemKind.TooLong,
                    $"{what}: split into {pieces.Count} pieces of at most {limit} tokens, each trained on its own"));
                return pieces;
            default:
                problems.Add(new DatasetProblem(path, document.Line, DatasetProblemKind.TooLong,
                    $"{what}: dropped (raise the sequence length, shorten it, or choose the truncate or split policy)"));
                return [];
        }
    }

    static bool HasTargets(bool[] trainable)
    {
        for (int i = 1; i < trainable.Length; i++) if (trainable[i]) return true;
        return false;
    }

    static string Untrainable(SourceDocument document, DatasetFormat? format) =>
        format == DatasetFormat.Chat && !document.Trainable.Any(flag => flag)
            ? "every assistant message has weight 0, so there is nothing to train on: skipped"
            : "has no token to train on after its first (after the over-long policy): skipped";

    static string Describe(DatasetFormat format) => format switch
    {
        DatasetFormat.Chat => "chat JSON Lines",
        DatasetFormat.PromptCompletion => "prompt/completion JSON Lines",
        _ => "plain text",
    };
}
