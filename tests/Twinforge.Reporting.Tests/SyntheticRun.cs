using System.Text.Json;
using Twinforge.Engine.Training;

namespace Twinforge.Reporting.Tests;

/// <summary>A run directory in a temp folder with a hand-made metrics log, so report tests need no torch.</summary>
sealed class SyntheticRun : IDisposable
{
    public SyntheticRun() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"twinforge-report-{Guid.NewGuid():N}");

    public void WriteMetrics(IEnumerable<TrainingEvent> events) =>
        File.WriteAllLines(System.IO.Path.Combine(Path, MetricsLog.FileName),
            events.Select(trainingEvent => JsonSerializer.Serialize(trainingEvent, MetricsLog.SerializerOptions)));

    public void WriteFile(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

    public string Read(string name) => File.ReadAllText(System.IO.Path.Combine(Path, name));

    /// <summary>
    /// 40 steps of falling train loss, evaluations every 5 steps whose validation loss bottoms out at step 20
    /// (loss 1.23456) and then rises until early stopping (patience 3) ends the run at step 35.
    /// </summary>
    public static IEnumerable<TrainingEvent> OverfittingRun()
    {
        yield return new RunStarted(0, 40, 10, 1000, 100_000, "float32", 80, 8, null);
        double[] validation = [2.0, 1.6, 1.4, 1.23456, 1.26, 1.3, 1.35];
        for (int step = 1; step <= 35; step++)
        {
            double trainLoss = 2.2 * Math.Exp(-step / 15.0) + 0.05 * Math.Sin(step);
            yield return new StepCompleted(step, (step - 1) / 10, step / 10.0, trainLoss, 1e-4 * Math.Min(1, step / 5.0),
                0.8, false, 0, 512, 1000);
            if (step % 5 == 0)
            {
                double loss = validation[step / 5 - 1];
                double train = 2.2 * Math.Exp(-step / 15.0);
                yield return new EvaluationCompleted(step, (step - 1) / 10, "interval", loss, Math.Exp(loss), 0.4 + step / 100.0,
                    4096, train, loss - train, IsBest: step <= 20);
            }
        }
        yield return new StoppedEarly(35, 20, 1.23456, 3);
        yield return new RunFinished(35, true, 20, 1.23456, true, 10, 0, 12.5);
    }

    /// <summary>A run.json as <c>FineTuning</c> writes it: enums by name, the data report with what the over-long policy did.</summary>
    public const string RunJson = """
        {
          "base_model": "/models/tiny-gpt2",
          "data_files": [ { "path": "/data/alice.jsonl", "sha256": "0123456789abcdef0123456789abcdef" } ],
          "validation_file": "/data/alice-held-out.jsonl",
          "method": "lora",
          "options": { "method": "lora", "training": { "learning_rate": 0.0001, "early_stopping_patience": 3, "precision": "float32" } },
          "data": {
            "train": { "documents": 12, "examples": 80, "total_tokens": 40960, "trainable_tokens": 30000, "min_tokens": 100, "mean_tokens": 512.123456, "max_tokens": 512 },
            "held_out": { "documents": 2, "examples": 8, "total_tokens": 4096, "trainable_tokens": 3000, "min_tokens": 100, "mean_tokens": 512.0, "max_tokens": 512 },
            "sequence_length": 512, "overlong_policy": "drop", "max_dropped_fraction": 0.1,
            "files": [
              { "path": "/data/alice.jsonl", "format": "chat", "documents": 12, "examples": 80,
                "overlong": { "documents_read": 13, "dropped": 1, "truncated": 0, "split": 0, "longest_tokens": 900 } },
              { "path": "/data/alice-held-out.jsonl", "format": "chat", "documents": 2, "examples": 8,
                "overlong": { "documents_read": 2, "dropped": 0, "truncated": 0, "split": 0, "longest_tokens": 512 } }
            ]
          },
          "result": { "steps": 35, "total_steps": 40, "epochs": 3.5, "best_step": 20, "restored_best": true, "stopped_early": true,
                      "overfitting": { "final_gap": 0.9, "smallest_gap": 0.5, "gap_widening_step": 10, "validation_loss_rose": true, "stopped_early": true } },
          "adapter": "adapter",
          "model": null
        }
        """;

    /// <summary>A run.json from before the data report was recorded: flat statistics, enums as numbers.</summary>
    public const string OlderRunJson = """
        {
          "method": "Lora",
          "options": { "method": 0, "training": { "learning_rate": 0.0001 } },
          "data": { "documents": 12, "examples": 80, "total_tokens": 40960, "mean_tokens": 512.123456 }
        }
        """;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
