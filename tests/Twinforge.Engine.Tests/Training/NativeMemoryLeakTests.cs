using System.Diagnostics;
using TorchSharp;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Data;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using static Twinforge.Engine.Tests.Training.TrainingTesting;

namespace Twinforge.Engine.Tests.Training;

/// <summary>
/// Nothing in a training step or a generation may keep tensors alive after it: the live-tensor count is the same
/// after many steps as after the first few, and resident memory stays within a margin, with no garbage collection
/// forced by the engine or by the test. (The engine once ran a full collection after every step and every reply to
/// hide memory held by undisposed wrappers; a server cannot afford that pause, and it would hide any new leak.)
/// </summary>
[Collection("Torch")]
public sealed class NativeMemoryLeakTests
{
    static long ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 >> 20;
    }

    static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Training_step_after_step_keeps_live_tensors_and_resident_memory_flat()
    {
        using var directory = new TemporaryDirectory();
        var lines = Enumerable.Range(0, 64).Select(i => DataTesting.Exchange($"question {i} about the weather?", $"answer {i}: rain, then sun, then rain again.")).ToArray();
        var data = Prepare(directory, lines, sequenceLength: 128);
        using var model = Model(Gpt2(dropout: 0.1));
        int gen2Before = GC.CollectionCount(2);
        long? liveAfterWarmup = null, residentAfterWarmup = null, liveAtEnd = null, residentAtEnd = null;

        new Trainer(model, data, Options with { MaxSteps = 60, BatchSize = 4 }, directory.Sub("run")).Run(onEvent: e =>
        {
            if (e is not StepCompleted step) return;
            if (step.Step == 10) (liveAfterWarmup, residentAfterWarmup) = (LiveTensors, ResidentMegabytes());
            if (step.Step == 60) (liveAtEnd, residentAtEnd) = (LiveTensors, ResidentMegabytes());
        });

        Assert.Equal(liveAfterWarmup, liveAtEnd);
        Assert.True(residentAtEnd - residentAfterWarmup < 64, $"resident memory grew from {residentAfterWarmup} to {residentAtEnd} MB over 50 steps");
        Assert.True(GC.CollectionCount(2) - gen2Before <= 2, "the run forced full garbage collections");
    }

    [Fact]
    public void Generating_reply_after_reply_keeps_live_tensors_and_resident_memory_flat()
    {
        using var model = new PretrainedModel(Model(Llama()), new ByteLevelTokenizer());
        var options = new GenerationOptions { MaxNewTokens = 24, Temperature = 0.8, TopK = 20, Seed = 3 };
        for (int i = 0; i < 5; i++) model.Generate($"warm up {i}", options);
        long liveBefore = LiveTensors, residentBefore = ResidentMegabytes();
        int gen2Before = GC.CollectionCount(2);

        for (int i = 0; i < 60; i++)
        {
            model.Generate($"prompt number {i}: ", options);
            model.Chat([new ChatMessage(ChatRole.User, $"question {i}?")], options);
        }

        Assert.Equal(liveBefore, LiveTensors);
        long grown = ResidentMegabytes() - residentBefore;
        Assert.True(grown < 32, $"resident memory grew by {grown} MB over 120 generations");
        Assert.True(GC.CollectionCount(2) - gen2Before <= 2, "generation forced full garbage collections");
    }
}
