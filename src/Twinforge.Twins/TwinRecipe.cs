using System.Text.Json;
using Twinforge.Engine.Training;
using Twinforge.Recipes;

namespace Twinforge.Twins;

/// <summary>
/// How every version of a twin is trained, recorded with each version so it can be rebuilt: the engine's options, in
/// recipe.yaml's keys and format (without file paths, which come from the version's datasets and parent). Two keys
/// mean something twin-specific: <c>data_options.validation_fraction</c> is the share of each new dataset held out to
/// judge the version on the new data itself, and <c>regularization.replay_fraction</c> the share of each batch
/// replayed from the data earlier versions trained on, against forgetting.
/// </summary>
/// <example><code>var recipe = new TwinRecipe { Options = TwinRecipe.DefaultOptions with { Training = new() { Epochs = 4 } } };</code></example>
public sealed partial record TwinRecipe
{
    /// <summary>
    /// A twin's defaults: the engine's, without a merged model (versions are adapters on a registered base) and with
    /// 30% of each batch replayed from older data.
    /// </summary>
    public static FineTuningOptions DefaultOptions { get; } = new() { SaveMergedModel = false, ReplayFraction = 0.3 };

    /// <summary>The fine-tuning options; LoRA (the default) lets each version continue from its parent's adapter.</summary>
    public FineTuningOptions Options { get; init; } = DefaultOptions;

    /// <summary>The share of each new dataset's conversations held out (<c>data_options.validation_fraction</c>).</summary>
    public double NewDataHeldOutFraction => Options.Data.ValidationFraction;

    /// <summary>The share of each batch drawn from the data earlier versions trained on (<c>regularization.replay_fraction</c>).</summary>
    public double ReplayFraction => Options.ReplayFraction;

    /// <summary>
    /// Whether a new version is refitted from the base on all the twin's data (the default: on the built-in persona
    /// arriving in three parts it ended with a lower held-out loss, a judge that took its answers for the creator's far
    /// more often, and no loss of general English beyond noise, where continuing lost some; README) or continues from
    /// its parent's weights on the new data (cheaper: the work does not grow with the twin's data). Recorded in the
    /// recipe text as <c>update_mode: refit</c>; a text without the line (every version recorded before the key
    /// existed) continues.
    /// </summary>
    public UpdateMode UpdateMode { get; init; } = UpdateMode.Refit;

    /// <summary>
    /// How many times a random canary (<see cref="Fidelity.PlantedCanary"/>) is planted among each version's training
    /// conversations, to audit memorisation: 0 (the default) plants none. Recorded as <c>canary_repeats: N</c>.
    /// </summary>
    public int CanaryRepeats { get; init; }

    /// <summary>The canary this recipe plants, or null.</summary>
    public Fidelity.PlantedCanary? Canary => CanaryRepeats > 0 ? Fidelity.PlantedCanary.For(Options.Training.Seed, CanaryRepeats) : null;

    /// <summary>The most repeats <see cref="CanaryRepeats"/> allows: beyond it the canary is no longer a rare secret.</summary>
    public const int MaxCanaryRepeats = 100;

    const string UpdateModeKey = "update_mode", CanaryRepeatsKey = "canary_repeats";

    const string Header = "# How every version of this twin trains, in recipe.yaml's keys (files come from the registry); written by twinforge.\n";

    /// <summary>The recipe as a version records it (see <see cref="Recorded"/>), as YAML.</summary>
    public string ToText() =>
        RecipeWriter.SettingsToYaml(Recorded().Options, Header) + (UpdateMode == UpdateMode.Refit ? $"{UpdateModeKey}: refit\n" : "") +
        (CanaryRepeats > 0 ? $"{CanaryRepeatsKey}: {CanaryRepeats}\n" : "");

    /// <summary>
    /// Reads a recorded recipe: YAML as <see cref="ToText"/> writes it, or the JSON that versions recorded before
    /// (their registries keep it, and a rebuild must read it).
    /// </summary>
    public static TwinRecipe FromText(string text)
    {
        if (text.TrimStart().StartsWith('{')) return LegacyJson.Read(text);
        // update_mode and canary_repeats are the twin's own keys, not the engine's: read here, the rest by the recipe reader.
        var mode = UpdateModeLine().Match(text);
        var settings = mode.Success ? text.Remove(mode.Index, mode.Length) : text;
        var canary = CanaryRepeatsLine().Match(settings);
        if (canary.Success) settings = settings.Remove(canary.Index, canary.Length);
        return new TwinRecipe
        {
            Options = RecipeLoader.ParseSettings("the version's recorded recipe", settings, DefaultOptions),
            UpdateMode = mode.Success ? ParseUpdateMode(mode.Groups[1].Value) : UpdateMode.Continue,
            CanaryRepeats = canary.Success ? int.Parse(canary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0,
        };
    }

    /// <summary>"continue" or "refit".</summary>
    /// <exception cref="ArgumentException">Neither.</exception>
    public static UpdateMode ParseUpdateMode(string value) => value.Trim().ToLowerInvariant() switch
    {
        "continue" => UpdateMode.Continue,
        "refit" => UpdateMode.Refit,
        _ => throw new ArgumentException($"{UpdateModeKey}: '{value}' is neither continue nor refit"),
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^update_mode:[ \t]*(\S+)[ \t]*\r?\n?", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex UpdateModeLine();

    [System.Text.RegularExpressions.GeneratedRegex(@"^canary_repeats:[ \t]*(\d{1,9})[ \t]*\r?\n?", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex CanaryRepeatsLine();

    /// <summary>
    /// As a version records it: paths are per run (where datasets and the parent's adapter were unpacked), so they are
    /// not recorded; automatic precision is resolved on this machine now, so the version's rebuilds train as it did.
    /// </summary>
    public TwinRecipe Recorded() => this with
    {
        Options = Options with
        {
            ReplayFile = null, InitialAdapter = null, Data = Options.Data with { ValidationFile = null },
            Training = Options.Training with { Precision = PrecisionChoice.OnThisMachine(Options.Training.Precision) },
        },
    };

    /// <summary>Throws <see cref="ArgumentException"/> for options out of range or a method a twin cannot use.</summary>
    public void Validate()
    {
        if (Options.Method != FineTuningMethod.Lora && Options.Method != FineTuningMethod.Full)
            throw new ArgumentException("a twin is fine-tuned from its base: use LoRA or full fine-tuning", nameof(Options));
        if (CanaryRepeats is < 0 or > MaxCanaryRepeats)
            throw new ArgumentException($"{CanaryRepeatsKey} must be between 0 and {MaxCanaryRepeats}, got {CanaryRepeats}", nameof(CanaryRepeats));
        Options.Validate();
    }

    /// <summary>The JSON shape versions recorded until recipes became one format: the shares beside the options.</summary>
    sealed record LegacyJson(FineTuningOptions Options, double NewDataHeldOutFraction = 0.1, double ReplayFraction = 0.3)
    {
        public static TwinRecipe Read(string json)
        {
            var legacy = JsonSerializer.Deserialize<LegacyJson>(json, JsonSettings.Options) ?? throw new JsonException("the recipe is empty");
            return new TwinRecipe
            {
                Options = legacy.Options with
                {
                    Data = legacy.Options.Data with { ValidationFraction = legacy.NewDataHeldOutFraction },
                    ReplayFraction = legacy.ReplayFraction,
                },
            };
        }
    }
}
