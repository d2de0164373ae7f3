using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Training;

/// <summary>Everything a fine-tuning job needs besides the base model and the data files.</summary>
/// <example><code>
/// var options = new FineTuningOptions { Method = FineTuningMethod.Lora, Training = new TrainingOptions { Epochs = 2 } };
/// </code></example>
public sealed record FineTuningOptions
{
    [RecipeKey("method")] public FineTuningMethod Method { get; init; } = FineTuningMethod.Lora;

    /// <summary>
    /// The adapters' shape; null for rank 8, alpha 16 on the family's default target modules (as is a config that names
    /// no targets: see <see cref="LoraConfig.ForFamily"/>).
    /// </summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>Freeze the token (and position) embeddings, and with them a tied output head.</summary>
    [RecipeKey("freeze.embeddings")] public bool FreezeEmbeddings { get; init; }

    /// <summary>Freeze the first N transformer layers (full fine-tuning).</summary>
    [RecipeKey("freeze.layers")] public int FrozenLayers { get; init; }

    public TrainingOptions Training { get; init; } = new();

    /// <summary>Sequence length, packing, the held-out split and its seed.</summary>
    public TrainingDataOptions Data { get; init; } = new() { SequenceLength = 512 };

    /// <summary>
    /// General-domain text mixed into batches against forgetting (see <see cref="ReplayFraction"/>). It is read in
    /// its own format, whatever the creator data's: a <c>.jsonl</c>/<c>.json</c> file as chat or prompt/completion by
    /// its first line, any other file as plain text, documents separated as <c>data_options.plain_text_separator</c> says
    /// (so a chat dataset can replay a plain-text corpus).
    /// </summary>
    [RecipeKey("regularization.replay_file", IsPath = true)] public string? ReplayFile { get; init; }

    /// <summary>The share of each batch drawn from <see cref="ReplayFile"/>.</summary>
    [RecipeKey("regularization.replay_fraction")] public double ReplayFraction { get; init; } = 0.25;

    /// <summary>
    /// For LoRA: a PEFT adapter directory to continue training from (a twin's previous version) instead of fresh
    /// adapters. Its adapter_config.json sets rank, alpha and targets; <see cref="Lora"/> must then be null.
    /// </summary>
    [RecipeKey("initial_adapter", IsPath = true)] public string? InitialAdapter { get; init; }

    /// <summary>For LoRA: also write the base with the adapters merged in, as a plain Hugging Face model.</summary>
    [RecipeKey("save_merged_model")] public bool SaveMergedModel { get; init; } = true;

    /// <summary>Throws the first problem of these options or of the records they hold (training, data, LoRA).</summary>
    public void Validate()
    {
        IEnumerable<ArgumentException> all = [.. FindProblems(), .. Training.FindProblems(), .. Data.FindProblems(), .. Lora?.FindProblems() ?? []];
        if (all.FirstOrDefault() is { } first) throw first;
    }

    /// <summary>
    /// The problems of this record's own settings, each an <see cref="ArgumentException"/> whose ParamName is the
    /// property's name; the records it holds report theirs (<see cref="TrainingOptions.FindProblems"/>,
    /// <see cref="TrainingDataOptions.FindProblems"/>, <see cref="LoraConfig.FindProblems"/>).
    /// </summary>
    public IReadOnlyList<ArgumentException> FindProblems()
    {
        var problems = new List<ArgumentException>();
        if (!Enum.IsDefined(Method)) problems.Add(new ArgumentOutOfRangeException(nameof(Method), Method, "unknown fine-tuning method"));
        if (FrozenLayers < 0) problems.Add(new ArgumentOutOfRangeException(nameof(FrozenLayers), FrozenLayers, "must not be negative"));
        // ReplayMixer's rule: some of every batch stays the creator's.
        if (!(ReplayFraction >= 0 && ReplayFraction < 1))
            problems.Add(new ArgumentOutOfRangeException(nameof(ReplayFraction), ReplayFraction, "must be in [0, 1)"));
        if (InitialAdapter is not null && Method != FineTuningMethod.Lora)
            problems.Add(new ArgumentOutOfRangeException(nameof(Method), Method, "must be lora to continue from an initial adapter"));
        if (InitialAdapter is not null && Lora is not null)
            problems.Add(new ArgumentException("the LoRA shape comes from the initial adapter's own config: leave the LoRA settings out", nameof(Lora)));
        return problems;
    }
}
