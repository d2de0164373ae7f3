namespace Twinforge.Engine.Data;

/// <summary>Everything <see cref="TrainingData.Prepare"/> needs besides the files and the tokenizer.</summary>
/// <example><code>new TrainingDataOptions { SequenceLength = 256, ValidationFraction = 0.1, Seed = 7 }</code></example>
public sealed record TrainingDataOptions : DatasetOptions
{
    /// <summary>
    /// Pack several examples into each sequence with an attention mask that keeps documents apart (true), or one
    /// example per padded sequence with plain causal attention (false).
    /// </summary>
    [RecipeKey("data_options.packing")] public bool Packing { get; init; } = true;

    /// <summary>A held-out file; when set, <see cref="ValidationFraction"/> is not used.</summary>
    [RecipeKey("validation", IsPath = true)] public string? ValidationFile { get; init; }

    /// <summary>
    /// The share of documents held out when there is no validation file, in [0, 1). 0 holds nothing out; otherwise at
    /// least one document goes to each side.
    /// </summary>
    [RecipeKey("data_options.validation_fraction")] public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// Cross-validation: hold out this fold of the documents (<see cref="SeededDocumentSplit.ByFold"/>) instead of
    /// <see cref="ValidationFraction"/>. Set by <c>training: auto</c> for its folds, not by recipes; a validation file wins.
    /// </summary>
    [NotInRecipes] public DataFold? Fold { get; init; }

    /// <summary>Seeds the held-out split (and, by convention, the batch order).</summary>
    [RecipeKey("data_options.seed")] public long Seed { get; init; }

    public override IReadOnlyList<ArgumentException> FindProblems()
    {
        var problems = base.FindProblems().ToList();
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            problems.Add(new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "the validation fraction must be in [0, 1)"));
        return problems;
    }
}
