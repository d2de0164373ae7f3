using Twinforge.Engine.Data;
using Twinforge.Engine.Lora;

namespace Twinforge.Engine.Training;

/// <summary>Everything a fine-tuning job needs besides the base model and the data files.</summary>
/// <example><code>
/// var options = new FineTuningOptions { Method = FineTuningMethod.Lora, Training = new TrainingOptions { Epochs = 2 } };
/// </code></example>
public sealed record FineTuningOptions
{
    public FineTuningMethod Method { get; init; } = FineTuningMethod.Lora;

    /// <summary>The adapters' shape; null for rank 8, alpha 16 on the family's default target modules.</summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>Freeze the token (and position) embeddings, and with them a tied output head.</summary>
    public bool FreezeEmbeddings { get; init; }

    /// <summary>Freeze the first N transformer layers (full fine-tuning).</summary>
    public int FrozenLayers { get; init; }

    public TrainingOptions Training { get; init; } = new();

    /// <summary>Sequence length, packing, the held-out split and its seed.</summary>
    public TrainingDataOptions Data { get; init; } = new() { SequenceLength = 512 };

    /// <summary>General-domain text mixed into batches against forgetting (see <see cref="ReplayFraction"/>).</summary>
    public string? ReplayFile { get; init; }

    /// <summary>The share of each batch drawn from <see cref="ReplayFile"/>.</summary>
    public double ReplayFraction { get; init; } = 0.25;

    /// <summary>
    /// For LoRA: a PEFT adapter directory to continue training from (a twin's previous version) instead of fresh
    /// adapters. Its adapter_config.json sets rank, alpha and targets; <see cref="Lora"/> must then be null.
    /// </summary>
    public string? InitialAdapter { get; init; }

    /// <summary>For LoRA: also write the base with the adapters merged in, as a plain Hugging Face model.</summary>
    public bool SaveMergedModel { get; init; } = true;
}
