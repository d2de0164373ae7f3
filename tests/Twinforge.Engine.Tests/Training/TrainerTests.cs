using Twinforge.Engine.Data;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Training;
using static TorchSharp.torch;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

[Collection("Torch")]
public sealed class TrainerTests
{
    [Fact]
    public void Loss_falls_on_a_small_memorisation_task_from_random_initialisation()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var result = new Trainer(model, data, Options with { MaxSteps = 60 }, directory.Sub("run")).Run();

        Assert.Equal(60, result.Steps);
        double first = result.TrainLosses.Take(3).Average(), last = result.TrainLosses.TakeLast(3).Average();
        Assert.True(last < 0.5 * first, $"loss went from {first:F3} to {last:F3}");
        Assert.Equal(0, result.SkippedSteps);
    }

    [Fact]
    public void Same_inputs_and_seed_give_bit_identical_weights()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        var options = Options with { MaxSteps = 8, Dropout = 0.1, GradientAccumulationSteps = 2 };
        using var first = Model();
        using var second = Model();
        new Trainer(first, data, options, directory.Sub("a")).Run();
        new Trainer(second, data, options, directory.Sub("b")).Run();
        AssertIdentical(Snapshot(first), Snapshot(second));
    }

    /// <summary>
    /// Each run draws its dropout masks from its own model's generator, never libtorch's process-wide one: two runs
    /// interleaved on two threads (each step of one between steps of the other) end exactly as each ends alone.
    /// </summary>
    [Fact]
    public async Task Two_runs_interleaved_on_two_threads_give_exactly_what_each_gives_alone()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(8));
        TrainingOptions OptionsFor(long seed) => Options with { MaxSteps = 6, Dropout = 0.2, Seed = seed };

        (double[] Losses, Dictionary<string, byte[]> Weights) Alone(long seed, string name)
        {
            using var model = Model();
            var result = new Trainer(model, data, OptionsFor(seed), directory.Sub(name)).Run();
            return (result.TrainLosses.ToArray(), Snapshot(model));
        }
        var first = Alone(1, "first-alone");
        var second = Alone(2, "second-alone");

        // Lock-step on two threads: a step of one, then a step of the other, and so on.
        using var turn = new SemaphoreSlim(1);
        (double[] Losses, Dictionary<string, byte[]> Weights) Interleaved(long seed, string name)
        {
            using var model = Model();
            turn.Wait();
            try
            {
                var result = new Trainer(model, data, OptionsFor(seed), directory.Sub(name)).Run(onEvent: e =>
                {
                    if (e is not StepCompleted) return;
                    turn.Release();
                    Thread.Sleep(5);
                    turn.Wait();
                });
                return (result.TrainLosses.ToArray(), Snapshot(model));
            }
            finally
            {
                turn.Release();
            }
        }
        var runs = new[] { (Seed: 1L, Name: "first-together"), (Seed: 2L, Name: "second-together") }
            .Select(run => Task.Factory.StartNew(() => Interleaved(run.Seed, run.Name), TaskCreationOptions.LongRunning)).ToArray();
        var together = await Task.WhenAll(runs);

        Assert.Equal(first.Losses, together[0].Losses);
        Assert.Equal(second.Losses, together[1].Losses);
        AssertIdentical(first.Weights, together[0].Weights);
        AssertIdentical(second.Weights, together[1].Weights);
        Assert.NotEqual(first.Losses, second.Losses); // the seeds differ, so the masks did
    }

    /// <summary>
    /// Automatic precision is resolved once, when the run begins, and recorded in its checkpoints: a resume on a
    /// machine (or under a load) that would measure otherwise is neither refused nor trained differently.
    /// </summary>
    [Fact]
    public void A_resume_that_would_measure_another_precision_keeps_the_recorded_one_and_the_same_losses()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        var options = Options with { MaxSteps = 6, CheckpointEverySteps = 2, Precision = TrainingPrecision.Automatic };
        TrainingResult straight;
        using (var model = Model())
            straight = new Trainer(model, data, options, directory.Sub("straight")) { ResolvePrecision = _ => TrainingPrecision.BFloat16Mixed }.Run();
        Assert.Equal(TrainingPrecision.BFloat16Mixed, straight.Precision);

        var runDirectory = directory.Sub("resumed");
        using (var doomed = Model())
        {
            Assert.Throws<SimulatedKill>(() => new Trainer(doomed, data, options, runDirectory) { ResolvePrecision = _ => TrainingPrecision.BFloat16Mixed }
                .Run(onEvent: e => { if (e is StepCompleted { Step: 3 }) throw new SimulatedKill(); }));
        }
        using var resumedModel = Model();
        // This time the machine would choose float32: the checkpoint's bf16 is used, so the run is still its own.
        var resumed = new Trainer(resumedModel, data, options, runDirectory) { ResolvePrecision = _ => TrainingPrecision.Float32 }.Run();

        Assert.Equal(TrainingPrecision.BFloat16Mixed, resumed.Precision);
        Assert.Equal(straight.TrainLosses, resumed.TrainLosses);
        var starts = MetricsLog.Read(Path.Combine(runDirectory, MetricsLog.FileName)).OfType<RunStarted>().ToList();
        Assert.All(starts, start => Assert.Equal(TrainingPrecision.BFloat16Mixed, start.ResolvedPrecision));
    }

    [Fact]
    public void A_killed_run_resumes_from_its_checkpoint_with_exactly_the_same_losses_and_weights()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(10), validationFraction: 0.2);
        // Dropout exercises the saved random state; accumulation and evaluation the saved counters.
        var options = Options with
        {
            MaxSteps = 14, Dropout = 0.1, GradientAccumulationSteps = 2, EvaluateEverySteps = 3, CheckpointEverySteps = 4,
            EarlyStoppingPatience = 100, KeepLastCheckpoints = 2,
        };
        using var straight = Model();
        var uninterrupted = new Trainer(straight, data, options, directory.Sub("straight")).Run();

        var runDirectory = directory.Sub("killed");
        using (var doomed = Model())
        {
            // The "kill": an exception thrown from inside the run after step 10, between checkpoints 8 and 12.
            Assert.Throws<SimulatedKill>(() => new Trainer(doomed, data, options, runDirectory)
                .Run(onEvent: e => { if (e is StepCompleted { Step: 10 }) throw new SimulatedKill(); }));
        }
        using var resumedModel = Model();
        var events = new List<TrainingEvent>();
        var resumed = new Trainer(resumedModel, data, options, runDirectory).Run(onEvent: events.Add);

        Assert.Equal(8, Assert.IsType<RunStarted>(events[0]).ResumedFromStep);
        Assert.Equal(uninterrupted.TrainLosses, resumed.TrainLosses);
        Assert.Equal(uninterrupted.Evaluations.Select(e => e.Loss), resumed.Evaluations.Select(e => e.Loss));
        AssertIdentical(Snapshot(straight), Snapshot(resumedModel));
        // The log reads as one run: every step once, in order.
        var steps = MetricsLog.Read(Path.Combine(runDirectory, MetricsLog.FileName)).OfType<StepCompleted>().Select(e => e.Step).ToList();
        Assert.Equal(Enumerable.Range(1, 14), steps);
        // Checkpoints 4, 8, 12 and the final 14 were written; the last two are kept.
        Assert.Equal([12, 14], new CheckpointStore(runDirectory, 2).List().Select(c => c.Step));
    }

    sealed class SimulatedKill : Exception;

    [Fact]
    public void Gradient_accumulation_matches_one_large_batch()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(8), packing: false);
        using var large = Model();
        using var accumulated = Model();
        var largeResult = new Trainer(large, data, Options with { MaxSteps = 3, BatchSize = 4 }, directory.Sub("large")).Run();
        var accumulatedResult = new Trainer(accumulated, data, Options with { MaxSteps = 3, BatchSize = 2, GradientAccumulationSteps = 2 },
            directory.Sub("accumulated")).Run();
        for (int i = 0; i < 3; i++)
            Assert.Equal(largeResult.TrainLosses[i], accumulatedResult.TrainLosses[i], 5);
    }

    [Fact]
    public void Activation_checkpointing_follows_the_ordinary_runs_losses_with_dropout_and_resumes_it()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(8), validationFraction: 0.25);
        var options = Options with { MaxSteps = 6, Dropout = 0.1, EvaluateEverySteps = 3, CheckpointEverySteps = 3, EarlyStoppingPatience = 100 };
        using var ordinary = Model();
        var ordinaryResult = new Trainer(ordinary, data, options, directory.Sub("ordinary")).Run();
        var runDirectory = directory.Sub("checkpointed");
        using (var doomed = Model())
        {
            Assert.Throws<SimulatedKill>(() => new Trainer(doomed, data, options with { ActivationCheckpointing = true }, runDirectory)
                .Run(onEvent: e => { if (e is StepCompleted { Step: 4 }) throw new SimulatedKill(); }));
        }
        // Checkpointing changes memory, not the run: it continues the same run with it switched off again.
        using var resumed = Model();
        var resumedResult = new Trainer(resumed, data, options, runDirectory).Run();

        for (int i = 0; i < 6; i++) Assert.Equal(ordinaryResult.TrainLosses[i], resumedResult.TrainLosses[i], 5);
        Assert.Equal(ordinaryResult.Evaluations.Select(e => Math.Round(e.Loss, 5)), resumedResult.Evaluations.Select(e => Math.Round(e.Loss, 5)));
    }

    [Fact]
    public void Early_stopping_triggers_on_an_overfitting_run_and_restores_the_best_weights()
    {
        using var directory = new TemporaryDirectory();
        // The training answers are arbitrary strings to memorise; the validation answers share nothing with them.
        var training = Enumerable.Range(0, 4).Select(i => DataTesting.Exchange($"w{i}", $"zq{i * 7 % 5}xv kjw{i}")).ToArray();
        var validation = Enumerable.Range(0, 4).Select(i => DataTesting.Exchange($"w{i}", $"Hello there, how are you {i}?")).ToArray();
        var data = Prepare(directory, training, validationLines: validation);
        var options = Options with
        {
            MaxSteps = 300, LearningRate = 1e-2, EvaluateEverySteps = 5, EarlyStoppingPatience = 3,
            EarlyStoppingMinimumImprovement = 0.0,
        };
        using var model = Model();
        var events = new List<TrainingEvent>();
        var result = new Trainer(model, data, options, directory.Sub("run")).Run(onEvent: events.Add);

        Assert.True(result.StoppedEarly, "the run should stop early");
        Assert.True(result.Steps < 300);
        Assert.True(result.RestoredBest);
        Assert.Single(events.OfType<StoppedEarly>());
        var best = result.Best!;
        Assert.Equal(result.Evaluations.Min(e => e.Loss), best.Loss);
        // The model now holds the best evaluation's weights: evaluating again gives exactly its loss.
        Assert.Equal(best.Loss, Evaluation.Run(model, data.Validation!, options.BatchSize).Loss);
        Assert.True(result.Overfitting.ValidationLossRose);
        Assert.NotNull(result.Overfitting.GapWideningStep);
        Assert.True(result.Overfitting.FinalGap > result.Overfitting.SmallestGap);
    }

    [Fact]
    public void L2_sp_penalty_is_zero_at_the_start_and_grows()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var events = new List<TrainingEvent>();
        new Trainer(model, data, Options with { MaxSteps = 6, L2SpStrength = 0.1 }, directory.Sub("run")).Run(onEvent: events.Add);
        var penalties = events.OfType<StepCompleted>().Select(e => e.L2SpPenalty).ToList();

        Assert.Equal(0.0, penalties[0]);
        for (int i = 1; i < penalties.Count; i++) Assert.True(penalties[i] > penalties[i - 1], $"penalty did not grow at step {i + 1}: {string.Join(", ", penalties)}");
    }

    [Fact]
    public void A_non_finite_update_is_skipped_and_reported_and_repeated_ones_stop_the_run()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var poisoned = model.named_parameters().First(p => p.name.EndsWith("mlp.up_proj.weight")).parameter;
        using (no_grad()) poisoned[0, 0] = tensor(float.NaN);
        var before = Snapshot(model);
        var events = new List<TrainingEvent>();

        var error = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(model, data, Options with { MaxSteps = 10, MaxConsecutiveNonFiniteSteps = 3 }, directory.Sub("run")).Run(onEvent: events.Add));

        Assert.Equal(3, error.ConsecutiveSkips);
        Assert.Equal(3, events.OfType<StepSkipped>().Count());
        Assert.Empty(events.OfType<StepCompleted>());
        AssertIdentical(before, Snapshot(model));
    }

    [Fact]
    public void Malformed_data_is_reported_with_its_line_and_nothing_is_trained()
    {
        using var directory = new TemporaryDirectory();
        var lines = Exchanges(4).Append("{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}").Append("{not json").ToArray();
        var data = Prepare(directory, lines);
        using var model = Model();
        var before = Snapshot(model);
        var runDirectory = Path.Combine(directory.Path, "run");

        var error = Assert.Throws<InputFileException>(() => new Trainer(model, data, Options with { MaxSteps = 5 }, runDirectory));

        Assert.Equal(5, error.Line);
        Assert.Contains("train.jsonl", error.Message);
        Assert.Contains(data.Report.Problems, p => p.Line == 6);
        Assert.False(Directory.Exists(runDirectory));
        AssertIdentical(before, Snapshot(model));
    }

    [Fact]
    public void A_steps_logged_loss_and_gradient_norm_are_those_of_its_accumulated_batches()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(12));
        var options = Options with { MaxSteps = 1, GradientAccumulationSteps = 2, MaxGradientNorm = 0 };

        // The same two batches through the loss on an identical model, with the sums and the norm taken here in float64.
        double expectedLoss, expectedNorm;
        using (var reference = Model())
        using (var scope = NewDisposeScope())
        {
            var iterator = data.TrainBatches(options.BatchSize);
            var batches = new[] { iterator.Next(), iterator.Next() };
            long targets = batches.Sum(b => b.TrainableTargets);
            double summed = 0;
            foreach (var batch in batches)
            {
                var (loss, _) = LanguageModelLoss.Compute(reference, batch);
                loss.div(targets).backward();
                summed += loss.item<float>();
                batch.Dispose();
            }
            expectedLoss = summed / targets;
            expectedNorm = Math.Sqrt(reference.parameters().Sum(p => p.grad!.to(ScalarType.Float64).square().sum().item<double>()));
        }

        using var model = Model();
        StepCompleted? step = null;
        new Trainer(model, data, options, directory.Sub("run")).Run(onEvent: e => step ??= e as StepCompleted);

        Assert.NotNull(step);
        Assert.Equal(expectedLoss, step.Loss, 6);
        Assert.True(Math.Abs(step.GradientNorm - expectedNorm) <= 1e-5 * expectedNorm, $"gradient norm {step.GradientNorm}, expected {expectedNorm}");
    }

    [Fact]
    public void Metrics_are_written_as_json_lines_that_read_back_as_events()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(10), validationFraction: 0.2);
        using var model = Model();
        var published = new List<TrainingEvent>();
        var runDirectory = directory.Sub("run");
        new Trainer(model, data, Options with { MaxSteps = 4, EvaluateEverySteps = 2 }, runDirectory).Run(onEvent: published.Add);

        var logged = MetricsLog.Read(Path.Combine(runDirectory, MetricsLog.FileName));
        Assert.Equal(published, logged);
        Assert.IsType<RunStarted>(logged[0]);
        Assert.IsType<RunFinished>(logged[^1]);
        Assert.Equal(2, logged.OfType<EvaluationCompleted>().Count());
        var step = logged.OfType<StepCompleted>().First();
        Assert.True(step.GradientNorm > 0 && step.LearningRate > 0 && step.TokensPerSecond > 0);
        var line = File.ReadLines(Path.Combine(runDirectory, MetricsLog.FileName)).Skip(1).First();
        Assert.StartsWith("{\"event\":\"step\",", line);
        Assert.Matches("\"step\":1[,}]", line);
        Assert.Contains("\"gradient_norm\":", line);
    }

    [Fact]
    public void Resuming_into_a_directory_of_another_run_is_refused()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        var runDirectory = directory.Sub("run");
        using (var model = Model()) new Trainer(model, data, Options with { MaxSteps = 2 }, runDirectory).Run();
        using var other = Model();
        var error = Assert.Throws<CheckpointMismatchException>(() =>
            new Trainer(other, data, Options with { MaxSteps = 2, LearningRate = 1e-3 }, runDirectory).Run());
        Assert.Contains("other options", error.Message);
        // What differs is said, as a caller without a recipe (the C# API) has nothing else to go by.
        Assert.Equal([$"learning_rate was {Options.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}, now 0.001"], error.Differences);
        Assert.Contains("(learning_rate was ", error.Message);
        var otherData = Prepare(directory, Exchanges(7));
        var dataError = Assert.Throws<CheckpointMismatchException>(() => new Trainer(other, otherData, Options with { MaxSteps = 2 }, runDirectory).Run());
        Assert.Equal(["the data differ (other files, contents, sequence length, split or data seed)"], dataError.Differences);
        Assert.Throws<InvalidOperationException>(() => new Trainer(other, data, Options with { MaxSteps = 2 }, runDirectory).Run(resume: false));
    }

    [Fact]
    public void Mixed_precision_training_keeps_float32_masters_and_learns()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var model = Model();
        var result = new Trainer(model, data, Options with { MaxSteps = 40, Precision = TrainingPrecision.BFloat16Mixed }, directory.Sub("run")).Run();

        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Null(model.ComputeDType);
        Assert.True(result.TrainLosses[^1] < 0.6 * result.TrainLosses[0], $"{result.TrainLosses[0]} → {result.TrainLosses[^1]}");
    }

    [Fact]
    public void Mixed_precision_follows_the_float32_loss_curve()
    {
        using var directory = new TemporaryDirectory();
        var data = Prepare(directory, Exchanges(6));
        using var full = Model();
        using var mixed = Model();
        var float32 = new Trainer(full, data, Options with { MaxSteps = 30 }, directory.Sub("fp32")).Run();
        var bfloat16 = new Trainer(mixed, data, Options with { MaxSteps = 30, Precision = TrainingPrecision.BFloat16Mixed }, directory.Sub("bf16")).Run();

        // bf16 products carry ~3 significant digits; over 30 updates the curves stay within a few percent of each other.
        for (int step = 0; step < 30; step++)
        {
            double reference = float32.TrainLosses[step], measured = bfloat16.TrainLosses[step];
            Assert.True(Math.Abs(measured - reference) <= 0.05 * reference, $"update {step + 1}: fp32 {reference:F4}, bf16-mixed {measured:F4}");
        }
    }
}
