using System.Text.Json;

namespace Twinforge.Bench.Tests;

/// <summary>
/// The harness end to end in quick mode (a tiny GPT-2): every figure the JSON promises is there and positive. The
/// values say nothing about speed; these tests check the harness, not the machine.
/// </summary>
[Collection("Harness")]
public sealed class QuickHarnessTests
{
    [Fact]
    public void Quick_run_in_process_writes_every_figure_as_a_positive_number()
    {
        var json = Path.Combine(Path.GetTempPath(), $"twinforge-bench-test-{Guid.NewGuid():N}.json");
        try
        {
            var report = BenchHarness.Run(new HarnessOptions { Quick = true, Isolation = HarnessIsolation.InProcess, JsonPath = json },
                BenchParts.All, TextWriter.Null);

            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var root = document.RootElement;
            Assert.Equal(3, root.GetProperty("schemaVersion").GetInt32());
            var speed = root.GetProperty("speedChecks").EnumerateArray().ToList();
            Assert.Equal(["start", "before training", "before generation", "end"], speed.Select(check => check.GetProperty("when").GetString()));
            foreach (var check in speed) Positive(check, "gflopsPerSecond");
            // In the precision the machine trains in: emulated bf16 is no measure of the machine's speed.
            Assert.All(speed, check => Assert.Equal(report.Machine.AutomaticPrecisionIsBFloat16 ? "bf16" : "fp32", check.GetProperty("precision").GetString()));
            Assert.True(root.GetProperty("quick").GetBoolean());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("date").GetString()));
            Assert.True(root.TryGetProperty("gitCommit", out _)); // null only where git is missing
            Positive(root.GetProperty("machine"), "logicalCores", "memoryBytes", "torchThreads");

            var ceiling = root.GetProperty("ceiling");
            Positive(ceiling, "float32GflopsPerSecond", "bFloat16GflopsPerSecond");
            Assert.Equal(BenchPlan.QuickCheck.MatmulShapes().Count * 2, ceiling.GetProperty("shapes").GetArrayLength());
            foreach (var shape in ceiling.GetProperty("shapes").EnumerateArray()) Positive(shape, "bestSeconds", "gflopsPerSecond");

            var training = root.GetProperty("fineTuning").EnumerateArray().ToList();
            Assert.Equal(10, training.Count); // 2 shapes × full/LoRA × fp32/bf16-mixed, and LoRA checkpointed at the larger shape
            Assert.Equal(2, training.Count(m => m.GetProperty("activationCheckpointing").GetBoolean()));
            foreach (var figures in training)
            {
                Positive(figures, "tokensPerSecond", "medianSecondsPerStep", "peakResidentBytes", "residentBytesAfterWarmup", "residentBytesAtEnd",
                    "optimizerStateBytes", "parameterCount", "trainableParameterCount", "flopsPerToken", "modelFlopUtilization", "firstLoss", "lastLoss");
                Assert.Equal(figures.GetProperty("timedSteps").GetInt32(), figures.GetProperty("stepSeconds").GetArrayLength());
                // May be 0 for a tiny model; a broken counter gives NaN, a negative or an absurd figure.
                Assert.InRange(figures.GetProperty("minorPageFaultsPerStep").GetDouble(), 0, 1e6);
                // Random weights over a 512-token vocabulary start near ln 512 ≈ 6.24, as any correct loss must.
                Assert.InRange(figures.GetProperty("firstLoss").GetDouble(), Math.Log(512) - 1, Math.Log(512) + 1);
            }
            Assert.Equal(["full", "lora"], training.Select(t => t.GetProperty("method").GetString()).Distinct().Order());
            Assert.Equal(["bf16-mixed", "fp32"], training.Select(t => t.GetProperty("precision").GetString()).Distinct().Order());
            var full = report.FineTuning.First(t => t.Method == "full");
            var lora = report.FineTuning.First(t => t.Method == "lora");
            Assert.True(lora.OptimizerStateBytes < full.OptimizerStateBytes / 10);
            Assert.Equal(full.TrainableParameterCount * 8, full.OptimizerStateBytes); // two float32 moments

            var generation = root.GetProperty("generation").EnumerateArray().ToList();
            Assert.Equal(["fp32", "bf16"], generation.Select(g => g.GetProperty("precision").GetString()));
            foreach (var figures in generation)
                Positive(figures, "promptTokensPerSecond", "singleStreamTokensPerSecond", "aggregateTokensPerSecond", "aggregateDecodeTokensPerSecond");

            var targets = root.GetProperty("targets").EnumerateArray().ToList();
            Assert.Equal(6, targets.Count);
            foreach (var target in targets) Positive(target, "target", "measured");
            Assert.Equal(3, root.GetProperty("references").GetArrayLength());
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>
    /// The harness's default: each training case in a child process of the benchmark program, so each peak is its own.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Quick_training_cases_in_child_processes_report_their_own_peak_memory()
    {
        var report = BenchHarness.Run(new HarnessOptions { Quick = true }, BenchParts.FineTuning, TextWriter.Null);

        Assert.Equal(10, report.FineTuning.Count);
        Assert.All(report.FineTuning, figures =>
        {
            Assert.True(figures.PeakMemoryIsolated, $"{figures.Name} did not run in its own process");
            Assert.True(figures.ResidentBytesAtEnd > 0 && figures.PeakResidentBytes >= Math.Max(figures.ResidentBytesAfterWarmup, figures.ResidentBytesAtEnd),
                $"{figures.Name}: peak {figures.PeakResidentBytes} B, {figures.ResidentBytesAfterWarmup} B after warm-up, {figures.ResidentBytesAtEnd} B at the end");
            Assert.True(figures.TokensPerSecond > 0, $"{figures.Name}: {figures.TokensPerSecond} tok/s");
        });
    }

    static void Positive(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            Assert.True(element.TryGetProperty(name, out var value), $"the JSON lacks '{name}'");
            Assert.True(value.ValueKind == JsonValueKind.Number && value.GetDouble() > 0, $"'{name}' is {value} — expected a positive number");
        }
    }
}
