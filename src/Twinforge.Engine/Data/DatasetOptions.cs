namespace Twinforge.Engine.Data;

/// <summary>How training files are read and checked (see <see cref="DatasetValidator"/>).</summary>
/// <example><code>new DatasetOptions { SequenceLength = 256, Overlong = OverlongPolicy.TruncateLeft }</code></example>
public record DatasetOptions
{
    /// <summary>The model's training context in tokens; longer examples are handled by <see cref="Overlong"/>.</summary>
    [RecipeKey("data_options.sequence_length")] public required int SequenceLength { get; init; }

    /// <summary>The files' layout; <see cref="DatasetFormat.Auto"/> decides per file.</summary>
    [RecipeKey("data_options.format")] public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>
    /// For plain text: a line that separates documents when it holds exactly this text (surrounding whitespace
    /// ignored), e.g. <c>"%"</c> for fortune files. Null: documents are paragraphs separated by blank lines.
    /// </summary>
    [RecipeKey("data_options.plain_text_separator")] public string? PlainTextSeparator { get; init; }

    /// <summary>What happens to examples longer than <see cref="SequenceLength"/>.</summary>
    [RecipeKey("data_options.overlong")] public OverlongPolicy Overlong { get; init; } = OverlongPolicy.Drop;

    /// <summary>
    /// The largest share of a file's documents that <see cref="OverlongPolicy.Drop"/> may leave out, in [0, 1]; more is
    /// an error, so a sequence length too short for the data cannot quietly train on a fraction of it. 1 allows any.
    /// </summary>
    [RecipeKey("data_options.max_dropped_fraction")] public double MaxDroppedFraction { get; init; } = DefaultMaxDroppedFraction;

    /// <summary>
    /// What to call files in notices, by path, when the path is not what people know (a twin trains on scratch files
    /// drawn from the creator's datasets: "the new data of ana-2026-q1.jsonl"). Not part of a run's settings.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore, NotInRecipes]
    public IReadOnlyDictionary<string, string>? FileLabels { get; init; }

    /// <summary>The default <see cref="MaxDroppedFraction"/>: a tenth of a file.</summary>
    public const double DefaultMaxDroppedFraction = 0.1;

    /// <summary>Throws the first of <see cref="FindProblems"/>.</summary>
    internal void Check()
    {
        if (FindProblems() is [var first, ..]) throw first;
    }

    /// <summary>
    /// Every option out of range, each an <see cref="ArgumentException"/> whose ParamName is the property's name; empty
    /// when all are valid. For reporting them all at once (a recipe's author fixes them in one go).
    /// </summary>
    public virtual IReadOnlyList<ArgumentException> FindProblems()
    {
        var problems = new List<ArgumentException>();
        if (SequenceLength < 2)
            problems.Add(new ArgumentOutOfRangeException(nameof(SequenceLength), SequenceLength, "the sequence length must be at least 2 tokens"));
        if (!Enum.IsDefined(Format)) problems.Add(new ArgumentOutOfRangeException(nameof(Format), Format, "unknown dataset format"));
        if (!Enum.IsDefined(Overlong)) problems.Add(new ArgumentOutOfRangeException(nameof(Overlong), Overlong, "unknown over-long policy"));
        if (!(MaxDroppedFraction >= 0 && MaxDroppedFraction <= 1))
            problems.Add(new ArgumentOutOfRangeException(nameof(MaxDroppedFraction), MaxDroppedFraction, "the largest dropped share must be in [0, 1]"));
        if (PlainTextSeparator is not null && PlainTextSeparator.Trim().Length == 0)
            problems.Add(new ArgumentException("a plain-text separator must be visible text such as \"%\"; null means blank lines", nameof(PlainTextSeparator)));
        return problems;
    }
}
