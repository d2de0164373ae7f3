using TorchSharp;
using Twinforge.Engine.Training;
using Twinforge.Voice.Model;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Alignment;

public sealed class AlignmentEncoderTests
{
    const int Bins = 8, Symbols = 6, Width = 16;

    /// <summary>Utterances whose frames each show their phoneme's own pattern (with noise), held for known durations.</summary>
    static (long[] Phonemes, float[] Mel, int[] Durations)[] Utterances(int count, Random random)
    {
        var patterns = Enumerable.Range(0, Symbols).Select(_ => Enumerable.Range(0, Bins).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
        return
        [
            .. Enumerable.Range(0, count).Select(_ =>
            {
                // Neighbours differ: two of a kind side by side have no boundary to find.
                var phonemes = new long[random.Next(4, 8)];
                for (int i = 0; i < phonemes.Length; i++)
                    do phonemes[i] = random.Next(1, Symbols); while (i > 0 && phonemes[i] == phonemes[i - 1]);
                var durations = phonemes.Select(_ => random.Next(2, 7)).ToArray();
                var mel = phonemes.Zip(durations).SelectMany(pair => Enumerable.Range(0, pair.Second)
                    .SelectMany(_ => patterns[pair.First].Select(v => v + (float)(random.NextDouble() - 0.5) * 0.3f))).ToArray();
                return (phonemes, mel, durations);
            }),
        ];
    }

    static (Tensor Phonemes, Tensor Mask, Tensor Mel, int[] PhonemeCounts, int[] FrameCounts) Batch((long[] Phonemes, float[] Mel, int[] Durations)[] utterances)
    {
        int n = utterances.Max(u => u.Phonemes.Length), t = utterances.Max(u => u.Durations.Sum()), b = utterances.Length;
        var phonemes = new long[b * n];
        var mask = new float[b * n];
        var mel = new float[b * t * Bins];
        for (int i = 0; i < b; i++)
        {
            Array.Copy(utterances[i].Phonemes, 0, phonemes, i * n, utterances[i].Phonemes.Length);
            Array.Fill(mask, 1f, i * n, utterances[i].Phonemes.Length);
            Array.Copy(utterances[i].Mel, 0, mel, i * t * Bins, utterances[i].Mel.Length);
        }
        return (tensor(phonemes, [b, n]), tensor(mask, [b, n]), tensor(mel, [b, t, Bins]),
            [.. utterances.Select(u => u.Phonemes.Length)], [.. utterances.Select(u => u.Durations.Sum())]);
    }

    [Fact]
    public void The_forward_sum_loss_teaches_it_where_each_phoneme_is_with_no_timings_given()
    {
        // Frames show their phoneme's pattern; the aligner is told only the phonemes' order, never where they are.
        var random = new Random(11);
        var utterances = Utterances(16, random);
        var (phonemes, mask, mel, phonemeCounts, frameCounts) = Batch(utterances);
        using var embedding = nn.Embedding(Symbols, Width);
        using var aligner = new AlignmentEncoder("aligner", Width, Bins, channels: 16);
        using var logPrior = AlignmentEncoder.LogPrior(phonemeCounts, frameCounts, (int)mel.shape[1], (int)phonemes.shape[1], weight: 1);
        using (var generator = new Generator(7))
        using (no_grad())
            foreach (var parameter in embedding.parameters().Concat(aligner.parameters())) parameter.normal_(0, 0.3, generator); // seeded, not the global generator
        // The engine's Adam: TorchSharp's passes implicit Scalars the collector may free mid-call (Engine's ScalarOperations).
        using var optimizer = new AdamW(embedding.parameters().Concat(aligner.parameters()).Select((p, i) => new OptimizedParameter($"p{i}", p, Decay: false)));
        double FrameAccuracy()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var found = AlignmentEncoder.Durations(aligner.LogProbabilities(embedding.forward(phonemes), mel, mask, zeros_like(logPrior)), phonemeCounts, frameCounts);
            int right = 0;
            for (int u = 0; u < utterances.Length; u++)
            {
                var truth = utterances[u].Durations.SelectMany((d, i) => Enumerable.Repeat(i, d)).ToArray();
                var guess = found[u].SelectMany((d, i) => Enumerable.Repeat(i, d)).ToArray();
                right += truth.Zip(guess).Count(pair => pair.First == pair.Second);
            }
            return right / (double)frameCounts.Sum();
        }
        double before = FrameAccuracy();
        double firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 600; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGradients();
            // The prior fades over the first half, as in training.
            var fading = logPrior.mul(tensor((float)Math.Max(0, 1 - step / 300.0)));
            var loss = aligner.ForwardSumLoss(aligner.LogProbabilities(embedding.forward(phonemes), mel, mask, fading), phonemeCounts, frameCounts);
            loss.backward();
            optimizer.Step(0.01);
            if (step == 0) firstLoss = loss.item<float>();
            lastLoss = loss.item<float>();
        }

        Assert.True(lastLoss < firstLoss, $"forward-sum loss {firstLoss:F3} → {lastLoss:F3}");
        double after = FrameAccuracy();
        Assert.True(after > 0.85 && after > before + 0.3, $"frames given to their true phoneme: {before:P0} before training, {after:P0} after");
    }
}
