using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Twins;

/// <summary>
/// The check of a creator's data files before anything is stored or trained: <c>twinforge data validate</c> runs it
/// with its options, and the service runs it on every upload with these defaults, so an upload is refused for exactly
/// what the command line reports. Every problem has its file and line; nothing touches a model.
/// </summary>
/// <example><code>var report = DataValidation.Prepare(["ana.jsonl"]).Report;   // report.IsValid, report.Problems</code></example>
public static class DataValidation
{
    /// <summary>Tokens per training sequence when none is given.</summary>
    public const int DefaultSequenceLength = 512;

    /// <summary>The share of documents held out when there is no validation file.</summary>
    public const double DefaultValidationFraction = 0.1;

    public static TrainingDataOptions DefaultOptions { get; } = new()
    {
        SequenceLength = DefaultSequenceLength,
        ValidationFraction = DefaultValidationFraction,
        Format = DatasetFormat.Auto,
    };

    /// <summary>
    /// Reads and checks the files (and the held-out split) with <paramref name="tokenizer"/> counting the tokens, the
    /// byte-level one when null.
    /// </summary>
    public static TrainingData Prepare(IReadOnlyList<string> files, ITokenizer? tokenizer = null, TrainingDataOptions? options = null) =>
        TrainingData.Prepare(files, tokenizer ?? new ByteLevelTokenizer(), options ?? DefaultOptions);

    /// <summary>
    /// Refuses files that are not well-formed data (bad JSON, unknown roles, empty conversations) before anything is
    /// registered or held out, with every error by file and line as <c>twinforge data validate</c> finds them in the
    /// whole files. Lengths are not judged here: they depend on the base model's tokenizer, which the version's own check
    /// uses before it trains.
    /// </summary>
    /// <exception cref="InputFileException">One per error, combined.</exception>
    public static void RequireWellFormed(IReadOnlyList<string> files)
    {
        var report = Prepare(files, options: DefaultOptions with { ValidationFraction = 0, Overlong = OverlongPolicy.Split }).Report;
        var errors = report.Errors.Select(problem => new InputFileException(problem.FilePath, problem.Reason, problem.Field, problem.Line)).ToList();
        if (errors.Count > 0) throw InputFileException.Combine(errors);
    }
}
