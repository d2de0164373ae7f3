using System.Text.Json;
using Twinforge.Engine.Training;

namespace Twinforge.Twins;

/// <summary>
/// How every version of a twin is trained, recorded with each version so it can be rebuilt: the engine's options
/// (without file paths, which come from the version's datasets and parent), the share of new data held out, and the
/// share of each batch replayed from the data of earlier versions.
/// </summary>
/// <example><code>var recipe = new TwinRecipe { Options = new FineTuningOptions { Training = new() { Epochs = 4 } } };</code></example>
public sealed record TwinRecipe
{
    /// <summary>The fine-tuning options; LoRA (the default) lets each version continue from its parent's adapter.</summary>
    public FineTuningOptions Options { get; init; } = new() { SaveMergedModel = false };

    /// <summary>The share of each new dataset's conversations held out to judge the version on the new data itself.</summary>
    public double NewDataHeldOutFraction { get; init; } = 0.1;

    /// <summary>The share of each batch drawn from the data earlier versions trained on, against forgetting.</summary>
    public double ReplayFraction { get; init; } = 0.3;

    /// <summary>The recipe as recorded: file paths removed, every other setting written out.</summary>
    public string ToJson() => JsonSerializer.Serialize(Recorded(), JsonSettings.Options);

    public static TwinRecipe FromJson(string json) =>
        JsonSerializer.Deserialize<TwinRecipe>(json, JsonSettings.Options) ?? throw new JsonException("the recipe is empty");

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

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for shares out of range.</summary>
    public void Validate()
    {
        if (NewDataHeldOutFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(NewDataHeldOutFraction), NewDataHeldOutFraction, "must be in [0, 1)");
        if (ReplayFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(ReplayFraction), ReplayFraction, "must be in [0, 1)");
        if (Options.Method != FineTuningMethod.Lora && Options.Method != FineTuningMethod.Full)
            throw new ArgumentException("a twin is fine-tuned from its base: use LoRA or full fine-tuning", nameof(Options));
        Options.Training.Validate();
    }
}
