using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Engine.Training.Search;

/// <summary>How far one candidate got at one rung of the search, and its best held-out loss there.</summary>
/// <param name="Epochs">The epochs the rung allowed it (its own, at the last rung).</param>
/// <param name="Steps">Updates it had taken when the rung ended for it.</param>
/// <param name="BestLoss">Its best held-out loss so far (what restoring its best weights would give).</param>
/// <param name="BestStep">The update where that loss was reached.</param>
/// <param name="Finished">It ran to its end (its epochs, or early stopping) rather than being paused.</param>
public sealed record SearchRung(int Epochs, int Steps, double BestLoss, int? BestStep, bool Finished);

/// <summary>One candidate's progress through the search: a rung per round it took part in.</summary>
public sealed record SearchTrial(int Index, SearchCandidate Candidate, List<SearchRung> Rungs)
{
    /// <summary>Why it left the search early, if it did not get a held-out loss (it diverged).</summary>
    public string? Failure { get; set; }

    /// <summary>Its loss at its last rung; infinite for a trial that failed.</summary>
    [JsonIgnore] public double LastLoss => Failure is null && Rungs.Count > 0 ? Rungs[^1].BestLoss : double.PositiveInfinity;

    /// <summary>Updates it took in all.</summary>
    [JsonIgnore] public int Steps => Rungs.Count > 0 ? Rungs[^1].Steps : 0;
}

/// <summary>
/// <c>search/search.json</c>: the candidates, every trial's rungs, and the one chosen — written after every trial, so
/// an interrupted search resumes where it stopped and a finished one says what it tried and why it chose.
/// </summary>
public sealed record SearchRecord
{
    public required List<SearchTrial> Trials { get; init; }

    /// <summary>Each rung's share of a candidate's epochs (rounded up to whole epochs).</summary>
    public required double[] RungFractions { get; init; }

    /// <summary>At each rung, the best 1/<see cref="Reduction"/> of the candidates (rounded up) go on to the next.</summary>
    public required int Reduction { get; init; }

    /// <summary>
    /// The most updates the search may take: every rung's survivors trained to the rung's end, and the cross-validated
    /// comparison of the recipe's own with every finisher (<see cref="SearchBudget.ConfirmationSteps"/>).
    /// </summary>
    public int BudgetSteps { get; set; }

    /// <summary>The updates the recipe's own settings plan (its epochs), for scale.</summary>
    public int RecipeSteps { get; set; }

    /// <summary>The candidate with the recipe's own settings: carried through every round, the reference the others must beat.</summary>
    public int RecipeOwn { get; set; }

    /// <summary>The held-out loss of the best other finisher minus the recipe's own, example by example (null when not compared).</summary>
    public SearchDifference? Difference { get; set; }

    /// <summary>
    /// The cross-validated comparison of the best other finisher with the recipe's own settings, made when the held-out
    /// data alone could not show a difference (null when not made).
    /// </summary>
    public SearchConfirmation? Confirmation { get; set; }

    /// <summary>Why the chosen candidate was chosen, in words.</summary>
    public string? Evidence { get; set; }

    /// <summary>The chosen trial's index once the search is over.</summary>
    public int? Chosen { get; set; }

    [JsonIgnore] public int UsedSteps => Trials.Sum(trial => trial.Steps) + (Confirmation?.Steps ?? 0);

    [JsonIgnore] public SearchTrial? ChosenTrial => Chosen is int index ? Trials[index] : null;

    /// <summary>What the search chose and what it cost, in a sentence.</summary>
    public string Describe() => ChosenTrial is { } chosen
        ? FormattableString.Invariant(
            $"training: auto chose {chosen.Candidate} (held-out loss {chosen.LastLoss:F4}) of {Trials.Count} candidates in {RungFractions.Length} rounds, ") +
          FormattableString.Invariant($"{UsedSteps:N0} updates of a {BudgetSteps:N0}-update budget (the recipe's own settings plan {RecipeSteps:N0}); {Evidence}")
        : FormattableString.Invariant($"training: auto has tried {Trials.Count(trial => trial.Rungs.Count > 0)} of {Trials.Count} candidates so far");

    // A candidate's method as a word ("full"), as run.json writes it; a number from an earlier record still reads.
    static readonly JsonSerializerOptions Json = new(MetricsLog.SerializerOptions)
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <exception cref="InputFileException">The file is not a search record (damaged by hand or by a failing disk: it is written atomically).</exception>
    public static SearchRecord Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SearchRecord>(File.ReadAllText(path), Json) ?? throw new JsonException("it holds null");
        }
        catch (JsonException error)
        {
            throw new InputFileException(path, $"is not a readable search record ({error.Message}); delete the run directory's search/ to search again", line: error.LineNumber + 1, inner: error);
        }
    }

    public static SearchRecord? FromJson(string json) => JsonSerializer.Deserialize<SearchRecord>(json, Json);

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
