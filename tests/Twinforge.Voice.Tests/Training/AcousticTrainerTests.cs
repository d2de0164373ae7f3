using Twinforge.Voice.Model;
using Twinforge.Voice.Training;

namespace Twinforge.Voice.Tests.Training;

public sealed class AcousticTrainerTests
{
    const int Bins = 8;

    static AcousticModelConfig Tiny => new()
    {
        Phonemes = ["<pad>", "<unk>", "a", "b", "c"], Speakers = ["one"], Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1,
        FilterSize = 32, SpeakerSize = 4, MelBins = Bins, Dropout = 0.3,
    };

    /// <summary>Made-up utterances: each phoneme a constant frame of its own, held for a few frames.</summary>
    static SpeechDataset Utterances(int count)
    {
        var random = new Random(3);
        var utterances = new List<PreparedUtterance>();
        for (int u = 0; u < count; u++)
        {
            int[] phonemes = [.. Enumerable.Range(0, 6).Select(_ => random.Next(2, 5))];
            var durations = phonemes.Select(_ => random.Next(2, 6)).ToArray();
            var mel = phonemes.Zip(durations).SelectMany(pair => Enumerable.Repeat(Enumerable.Range(0, Bins).Select(band => (float)(pair.First * band % 5 - 2)), pair.Second).SelectMany(frame => frame)).ToArray();
            int frames = durations.Sum();
            utterances.Add(new PreparedUtterance($"u{u}", 0, phonemes, mel, frames, new float[frames], new float[frames]));
        }
        return new SpeechDataset(utterances, Bins);
    }

    static float[] TrainedWeights(int seed)
    {
        var data = Utterances(4);
        var config = SpeechDataset.WithMelStatistics(Tiny, data.Utterances);
        var (model, _) = VoiceFoundation.Pretrain(config, data, data, new AcousticTrainingOptions { Epochs = 3, FramesPerBatch = 60, WarmupSteps = 1, Seed = seed, Patience = 10 });
        using (model)
            return [.. model.parameters().SelectMany(parameter => parameter.data<float>().ToArray())];
    }

    [Fact]
    public void Training_with_the_same_seed_gives_the_same_weights_dropout_included()
    {
        // Dropout draws from the model's own generator, seeded by the run: no process-wide seed to forget.
        Assert.Equal(TrainedWeights(seed: 5), TrainedWeights(seed: 5));
        Assert.NotEqual(TrainedWeights(seed: 5), TrainedWeights(seed: 6));
    }

    [Fact]
    public void A_further_sitting_continues_from_the_trained_weights_and_lowers_the_held_out_loss()
    {
        var data = Utterances(6);
        var config = SpeechDataset.WithMelStatistics(Tiny with { Dropout = 0 }, data.Utterances);
        var options = new AcousticTrainingOptions { Epochs = 4, FramesPerBatch = 60, LearningRate = 3e-3, WarmupSteps = 1, Patience = 10 };
        var (model, first) = VoiceFoundation.Pretrain(config, data, data, options);
        using (model)
        {
            double before = AcousticTrainer.MelLoss(model, batch => model.SpeakerVectors(batch.Speakers), data, options.FramesPerBatch);
            Assert.Equal(first.Min(e => e.ValidationMelLoss!.Value), before, 4);

            var second = VoiceFoundation.Continue(model, data, data, options with { Epochs = 8 });

            double after = AcousticTrainer.MelLoss(model, batch => model.SpeakerVectors(batch.Speakers), data, options.FramesPerBatch);
            Assert.True(after < 0.9 * before, $"held-out mel {before:F3} after the first sitting, {after:F3} after the second");
            // It went on from where the first sitting was, not from a new start: its first epoch is already near there.
            Assert.True(second[0].ValidationMelLoss < first[0].ValidationMelLoss, $"{second[0].ValidationMelLoss:F3} against a new start's {first[0].ValidationMelLoss:F3}");
        }
    }

    [Fact]
    public void Mel_statistics_are_each_bands_mean_and_spread()
    {
        var data = Utterances(3);
        var config = SpeechDataset.WithMelStatistics(Tiny, data.Utterances);
        var frames = data.Utterances.SelectMany(u => u.Mel.Chunk(Bins)).ToList();

        for (int band = 0; band < Bins; band++)
        {
            var values = frames.Select(frame => (double)frame[band]).ToList();
            double mean = values.Average();
            Assert.Equal(mean, config.MelMean![band], 5);
            Assert.Equal(Math.Max(1e-3, Math.Sqrt(values.Average(v => (v - mean) * (v - mean)))), config.MelStd![band], 4);
        }
    }
}
