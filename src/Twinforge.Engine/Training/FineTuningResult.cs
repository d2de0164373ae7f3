using Twinforge.Engine.Data;

namespace Twinforge.Engine.Training;

/// <summary>What a fine-tuning job produced and where.</summary>
/// <param name="Training">The run: steps, evaluations, the best one, the overfitting signal.</param>
/// <param name="Data">The data report: statistics of the training and held-out sets.</param>
/// <param name="AdapterDirectory">The best adapter in PEFT layout (LoRA runs), or null.</param>
/// <param name="ModelDirectory">The complete model in Hugging Face layout (merged for LoRA), or null.</param>
/// <param name="Search">What <c>training.auto</c> tried and chose (null for a single run).</param>
/// <param name="RecordPath">The run's record (<see cref="FineTuning.RecordFileName"/>): base, data, options, results.</param>
public sealed record FineTuningResult(TrainingResult Training, DatasetReport Data, string? AdapterDirectory, string? ModelDirectory, string RecordPath,
    Search.SearchRecord? Search = null)
{
    /// <summary>The trained model: <paramref name="baseModelDirectory"/> with the adapter for LoRA, else the saved model.</summary>
    public PretrainedModel LoadTrained(string baseModelDirectory)
    {
        if (AdapterDirectory is not string adapter)
            return PretrainedModel.Load(ModelDirectory ?? throw new InvalidOperationException($"the run in {Path.GetDirectoryName(RecordPath)} saved no model"));
        var model = PretrainedModel.Load(baseModelDirectory);
        Lora.PeftAdapter.Load(model.Network, adapter);
        return model;
    }
}
