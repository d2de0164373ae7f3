using System.Globalization;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>The end of a run in a few lines: best point, why it stopped, the overfitting signal, where the outputs are.</summary>
public static class RunSummary
{
    public static void Write(TextWriter console, FineTuningResult run, string reportPath)
    {
        var training = run.Training;
        var invariant = CultureInfo.InvariantCulture;
        console.WriteLine();
        console.WriteLine(string.Create(invariant, $"Finished: {training.Steps} of {training.TotalSteps} steps ({training.Epochs:F2} epochs, {training.TokensSeen:N0} token positions, padding included) in {TrainingProgressFormat.Duration(training.Duration)}."));
        if (training.Best is { } best)
        {
            console.WriteLine(string.Create(invariant,
                $"Best validation: loss {best.Loss:F4}, perplexity {best.Perplexity:F2}, token accuracy {best.TokenAccuracy * 100:F1}% at step {best.Step}")
                + (training.RestoredBest ? " (its weights were restored)." : "."));
            console.WriteLine(training.StoppedEarly
                ? $"Stopped early: validation loss stopped improving after step {best.Step}."
                : "Ran to the end without early stopping.");
            var overfitting = training.Overfitting;
            console.WriteLine(string.Create(invariant, $"Overfitting signal: final train/validation gap {overfitting.FinalGap:+0.000;-0.000} nats") +
                              (overfitting.GapWideningStep is int widening ? $", widening since step {widening}." : ", not widening."));
        }
        else
        {
            console.WriteLine("No validation set: overfitting was not measured.");
        }
        if (training.SkippedSteps > 0) console.WriteLine($"Skipped updates (non-finite loss or gradient): {training.SkippedSteps}.");
        if (training.Evaluations.FirstOrDefault(e => !double.IsFinite(e.Loss)) is { } diverged)
            console.WriteLine($"warning: the validation loss was not finite from step {diverged.Step}: the training diverged; lower the learning rate.");
        else if (training.Steps > 1 && training.SkippedSteps * 2 >= training.Steps)
            console.WriteLine($"warning: {training.SkippedSteps} of {training.Steps} updates were skipped for a non-finite loss or gradient: the training diverged; lower the learning rate.");
        if (run.AdapterDirectory is string adapter) console.WriteLine($"Adapter (PEFT layout): {adapter}");
        if (run.ModelDirectory is string model) console.WriteLine($"Model (Hugging Face layout): {model}");
        console.WriteLine($"Report: {reportPath}");
    }
}
