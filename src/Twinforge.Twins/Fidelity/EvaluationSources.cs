namespace Twinforge.Twins.Fidelity;

/// <summary>
/// What a version is measured against beyond its creator's data: other authors' texts for the stylometric judge to
/// tell the creator from (none: no attribution), and held-out general text for forgetting (none: not measured). The
/// command line fills both from the built-in English corpus; a service brings its own.
/// </summary>
/// <param name="OtherAuthors">Per author, their texts (documents, quotations, entries); a fifth of each is held out to score the judge.</param>
/// <param name="GeneralTextFile">Plain text, documents separated by lines holding <paramref name="GeneralTextSeparator"/>, never trained on.</param>
/// <param name="GeneralTextSeparator">The line between documents of the general text (null: blank lines).</param>
public sealed record EvaluationSources(IReadOnlyDictionary<string, IReadOnlyList<string>> OtherAuthors, string? GeneralTextFile,
    string? GeneralTextSeparator = "%")
{
    /// <summary>Nothing beyond the creator's data: loss, memorisation and the base's figures only.</summary>
    public static EvaluationSources None { get; } = new(new Dictionary<string, IReadOnlyList<string>>(), null);
}

/// <summary>How much a version evaluation does: answers sampled, extraction trials, the judge's chunk size.</summary>
/// <param name="ChunkWords">
/// Words per chunk the judge attributes: answers are joined into chunks this long, since a style shows in tens of words,
/// not in a three-word answer.
/// </param>
/// <param name="MaxAnswers">At most this many held-out prompts are answered by each model (evenly spread over the set).</param>
/// <param name="ExtractionTrials">At most this many training answers (of at least four words) are tested for extraction.</param>
/// <param name="MaxGeneralDocuments">At most this many general-text documents are scored (evenly spread).</param>
public sealed record EvaluationOptions(int ChunkWords = 20, int MaxAnswers = 100, int ExtractionTrials = 50, int MaxGeneralDocuments = 400,
    int NgramLength = 8);
