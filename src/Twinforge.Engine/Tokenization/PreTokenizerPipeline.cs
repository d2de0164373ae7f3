using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The <c>pre_tokenizer</c> of a byte-level BPE tokenizer.json: optional Split (regex or string) and Digits steps,
/// then ByteLevel, which may itself split with GPT-2's regex. It cuts text into the pieces BPE merges within; the
/// byte mapping itself is applied by <see cref="HuggingFaceTokenizer"/>. Semantics follow the Hugging Face
/// tokenizers crate (<c>pre_tokenizers/split.rs</c>, <c>byte_level.rs</c>, <c>digits.rs</c>).
/// </summary>
internal sealed class PreTokenizerPipeline
{
    /// <summary>GPT-2's pattern, used by ByteLevel when <c>use_regex</c> is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3's Split regex (meta-llama/Meta-Llama-3-8B tokenizer.json): digits in groups of up to 3, no prefix space.</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's Split regex: as Llama 3's, but every digit is its own piece.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    static readonly Regex Gpt2Regex = Compile(Gpt2Pattern);

    readonly Step[] _steps;

    PreTokenizerPipeline(Step[] steps) => _steps = steps;

    /// <summary>How a Split step treats the pieces its pattern matches (tokenizers' SplitDelimiterBehavior).</summary>
    public enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

    abstract record Step;
    sealed record SplitStep(Regex Pattern, SplitBehavior Behavior, bool Invert) : Step;
    sealed record ByteLevelStep(bool AddPrefixSpace, bool UseRegex) : Step;

    /// <summary>The pre-tokenizer of GPT-2's tokenizer.json: ByteLevel with its regex.</summary>
    public static PreTokenizerPipeline Gpt2(bool addPrefixSpace = false) => new([new ByteLevelStep(addPrefixSpace, UseRegex: true)]);

    /// <summary>The regex patterns the pipeline splits with, in order (GPT-2's for a ByteLevel step using it).</summary>
    public IReadOnlyList<string> Patterns => _steps
        .Select(step => step switch
        {
            SplitStep split => split.Pattern.ToString(),
            ByteLevelStep { UseRegex: true } => Gpt2Pattern,
            _ => null,
        })
        .OfType<string>()
        .ToList();

    /// <summary>Whether ByteLevel adds a space in front of text that does not start with one (RoBERTa style).</summary>
    public bool AddsPrefixSpace => _steps.OfType<ByteLevelStep>().Single().AddPrefixSpace;

    /// <summary>Whether a Split step drops what it matches (behavior Removed), so pieces no longer cover the text.</summary>
    public bool RemovesText => _steps.OfType<SplitStep>().Any(split => split.Behavior == SplitBehavior.Removed);

    /// <summary>Appends the pieces of <paramref name="text"/> to <paramref name="pieces"/>.</summary>
    public void PreTokenize(string text, List<string> pieces)
    {
        if (text.Length == 0) return;
        var current = new List<string> { text };
        var next = new List<string>();
        foreach (var step in _steps)
        {
            next.Clear();
            foreach (var piece in current)
            {
                switch (step)
                {
                    case SplitStep split:
                        AddSplit(piece, split.Pattern, split.Behavior, split.Invert, next);
                        break;
                    case ByteLevelStep byteLevel:
                        var withPrefix = byteLevel.AddPrefixSpace && piece[0] != ' ' ? " " + piece : piece;
                        if (byteLevel.UseRegex) AddSplit(withPrefix, Gpt2Regex, SplitBehavior.Isolated, invert: false, next);
                        else next.Add(withPrefix);
                        break;
                }
            }
            (current, next) = (next, current);
        }
        pieces.AddRange(current);
    }

    /// <summary>
    /// Splits on a pattern the way tokenizers' <c>NormalizedString::split</c> does: the text is covered by matches
    /// and the gaps between them, then <paramref name="behavior"/> decides what happens to the matches.
    /// </summary>
    static void AddSplit(string text, Regex pattern, SplitBehavior behavior, bool invert, List<string> output)
    {
        var spans = new List<(int Start, int End, bool IsMatch)>();
        int position = 0;
        foreach (var match in pattern.EnumerateMatches(text))
        {
            if (match.Length == 0) continue;
            if (match.Index > position) spans.Add((position, match.Index, invert));
            spans.Add((match.Index, match.Index + match.Length, !invert));
            position = match.Index + match.Length;
        }
        if (position < text.Length) spans.Add((position, text.Length, invert));

        var merged = new List<(int Start, int End)>();
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                merged.AddRange(spans.Select(span => (span.Start, span.End)));
                break;
            case SplitBehavior.Removed:
                merged.AddRange(spans.Where(span => !span.IsMatch).Select(span => (span.Start, span.End)));
                break;
            case SplitBehavior.Contiguous:
            {
                bool previousMatch = false;
                foreach (var span in spans)
                {
                    if (span.IsMatch == previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, span.End);
                    else merged.Add((span.Start, span.End));
                    previousMatch = span.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithPrevious:
            {
                bool previousMatch = false;
                foreach (var span in spans)
                {
                    if (span.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, span.End);
                    else merged.Add((span.Start, span.End));
                    previousMatch = span.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool previousMatch = false;
                for (int i = spans.Count - 1; i >= 0; i--)
                {
                    var span = spans[i];
                    if (span.IsMatch && !previousMatch && merged.Count > 0) merged[^1] = (span.Start, merged[^1].End);
                    else merged.Add((span.Start, span.End));
                    previousMatch = span.IsMatch;
                }
                merged.Reverse();
                break;
            }
        }
        foreach (var (start, end) in merged) output.Add(text[start..end]);
    }

    /// <summary>
    /// Reads a pre_tokenizer node. It must contain a ByteLevel step, as its last step: other tokenizer families
    /// (WordPiece's Whitespace, SentencePiece's Metaspace) are reported rather than approximated.
    /// </summary>
    public static PreTokenizerPipeline FromJson(JsonNode? node, string filePath)
    {
        const string field = "pre_tokenizer";
        if (node is null)
            throw new InputFileException(filePath, "is null: Twinforge reads byte-level BPE tokenizers, whose pre-tokenizer is ByteLevel", field);
        var steps = new List<Step>();
        AddSteps(node, filePath, field, steps);
        int byteLevelCount = steps.Count(step => step is ByteLevelStep);
        if (byteLevelCount == 0)
            throw new InputFileException(filePath,
                "has no ByteLevel step: only byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2, SmolLM style) are supported", field);
        if (byteLevelCount > 1 || steps[^1] is not ByteLevelStep)
            throw new InputFileException(filePath, "ByteLevel must be the last and only byte-level step of the pre-tokenizer", field);
        return new PreTokenizerPipeline(steps.ToArray());
    }

    static void AddSteps(JsonNode node, string filePath, string field, List<Step> steps)
    {
        var type = JsonFields.RequiredString(node, "type", filePath, field);
        switch (type)
        {
            case "Sequence":
                var children = JsonFields.RequiredArray(node, "pretokenizers", filePath, field);
                for (int i = 0; i < children.Count; i++)
                {
                    var childField = $"{field}.pretokenizers[{i}]";
                    AddSteps(children[i] ?? throw new InputFileException(filePath, "is null", childField), filePath, childField, steps);
                }
                break;
            case "ByteLevel":
                steps.Add(new ByteLevelStep(
                    JsonFields.OptionalBool(node, "add_prefix_space", false, filePath, field),
                    JsonFields.OptionalBool(node, "use_regex", true, filePath, field)));
                break;
            case "Split":
                steps.Add(ReadSplit(node, filePath, field));
                break;
            case "Digits":
                bool individual = JsonFields.OptionalBool(node, "individual_digits", false, filePath, field);
                // Rust's char::is_numeric is \p{N}; each digit is its own match, so Contiguous joins runs of them.
                steps.Add(new SplitStep(Compile(@"\p{N}"), individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous, Invert: false));
                break;
            default:
                throw new InputFileException(filePath,
                    $"pre-tokenizer '{type}' is not supported (supported: ByteLevel, Split, Digits, Sequence)", $"{field}.type");
        }
    }

    static SplitStep ReadSplit(JsonNode node, string filePath, string field)
    {
        var pattern = JsonFields.RequiredObject(node, "pattern", filePath, field);
        string source;
        string patternField;
        if (JsonFields.OptionalString(pattern, "Regex", filePath, $"{field}.pattern") is string regex)
        {
            source = regex;
            patternField = $"{field}.pattern.Regex";
        }
        else if (JsonFields.OptionalString(pattern, "String", filePath, $"{field}.pattern") is string literal)
        {
            source = Regex.Escape(literal);
            patternField = $"{field}.pattern.String";
        }
        else
        {
            throw new InputFileException(filePath, "expected {\"Regex\": ...} or {\"String\": ...}", $"{field}.pattern");
        }
        if (source.Length == 0) throw new InputFileException(filePath, "the pattern is empty", patternField);

        var behaviorName = JsonFields.OptionalString(node, "behavior", filePath, field) ?? "Isolated";
        if (!Enum.TryParse<SplitBehavior>(behaviorName, ignoreCase: false, out var behavior))
            throw new InputFileException(filePath,
                $"unknown split behavior '{behaviorName}' (expected one of {string.Join(", ", Enum.GetNames<SplitBehavior>())})", $"{field}.behavior");
        bool invert = JsonFields.OptionalBool(node, "invert", false, filePath, field);

        try
        {
            return new SplitStep(Compile(source), behavior, invert);
        }
        catch (ArgumentException error)
        {
            throw new InputFileException(filePath, $"the regex does not compile: {error.Message}", patternField, inner: error);
        }
    }

    /// <summary>The regex options every pre-tokenizer pattern is compiled with (a trainer must split exactly as encoding will).</summary>
    public static Regex Compile(string pattern) => new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
}
