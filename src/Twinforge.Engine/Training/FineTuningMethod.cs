namespace Twinforge.Engine.Training;

/// <summary>Which weights a run adapts.</summary>
public enum FineTuningMethod
{
    /// <summary>Low-rank adapters on the target projections; the base weights are frozen and kept.</summary>
    Lora,

    /// <summary>Every parameter that is not explicitly frozen.</summary>
    Full,

    /// <summary>
    /// The base's architecture and tokenizer with freshly initialised weights, trained on the same data: the
    /// baseline that shows how much the pre-trained knowledge saves.
    /// </summary>
    FromScratch,
}
