using Twinforge.Engine.Models;
using Twinforge.Engine.Training;
using Twinforge.Voice.Model;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Tests.Model;

public sealed class PostNetTests
{
    const int Bins = 6;

    static SpeechDataset Utterances()
    {
        var random = new Random(7);
        var utterances = new List<PreparedUtterance>();
        for (int u = 0; u < 3; u++)
        {
            int[] phonemes = [.. Enumerable.Range(0, 5).Select(_ => random.Next(2, 5))];
            int frames = 5 * 4;
            var mel = Enumerable.Range(0, frames * Bins).Select(i => (float)(phonemes[i / Bins / 4] * (i % Bins) % 5 - 2)).ToArray();
            utterances.Add(new PreparedUtterance($"u{u}", 0, phonemes, mel, frames, new float[frames], new float[frames]));
        }
        return new SpeechDataset(utterances, Bins);
    }

    static AcousticModelConfig Tiny(int postNetChannels) => new()
    {
        Phonemes = ["<pad>", "<unk>", "a", "b", "c"], Speakers = ["one"], Hidden = 16, Heads = 2, EncoderLayers = 1, DecoderLayers = 1,
        FilterSize = 32, DecoderFilterSize = 16, SpeakerSize = 4, MelBins = Bins, PostNetChannels = postNetChannels, PostNetLayers = 3,
    };

    [Fact]
    public void A_new_models_post_net_passes_the_decoders_mel_through_and_a_model_without_one_has_no_decoder_loss()
    {
        var data = Utterances();
        using var batch = data.Collate(data.Utterances);
        using (var model = new AcousticModel(Tiny(postNetChannels: 8), seed: 1))
        {
            model.eval();
            using var losses = model.Losses(batch, model.SpeakerVectors(batch.Speakers));
            Assert.True(losses.Mel.item<float>() > 0.1);
            Assert.Equal(losses.Decoder.item<float>(), losses.Mel.item<float>(), 6);
        }
        using (var plain = new AcousticModel(Tiny(postNetChannels: 0), seed: 1))
        {
            plain.eval();
            using var losses = plain.Losses(batch, plain.SpeakerVectors(batch.Speakers));
            Assert.Equal(0f, losses.Decoder.item<float>());
            Assert.DoesNotContain(plain.state_dict().Keys, name => name.StartsWith("postNet", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void An_utterance_gets_the_same_frames_in_a_padded_batch_as_alone()
    {
        using var randomness = new DropoutRandomness();
        using var postNet = new PostNet("post", Bins, channels: 8, layerCount: 3, kernel: 5, dropout: 0, randomness);
        postNet.eval();
        using var generator = new Generator(3);
        using var mel = randn([2, 12, Bins], generator: generator);
        using var mask = ones(2, 12);
        mask[1, TensorIndex.Slice(7)] = tensor(0f);
        using var together = postNet.forward(mel, mask);
        using var shortOne = mel[1, TensorIndex.Slice(0, 7)].unsqueeze(0);
        using var alone = postNet.forward(shortOne, ones(1, 7));

        Assert.True(together[1, TensorIndex.Slice(0, 7)].allclose(alone[0], rtol: 1e-5, atol: 1e-6));
        Assert.False(together[1].allclose(mel[1] * 1.0f, atol: 1e-3)); // it did change the frames
    }

    /// <summary>Bands that step between levels (phonemes' edges), and the same blurred over five frames, as a decoder trained by L1 gives them.</summary>
    static (Tensor Sharp, Tensor Smeared) Steps(int count, int seed)
    {
        var random = new Random(seed);
        const int frames = 40;
        var sharp = new float[count * frames * Bins];
        for (int s = 0; s < count; s++)
            for (int band = 0; band < Bins; band++)
            {
                float level = 0;
                for (int t = 0; t < frames; t++)
                {
                    if (t % 8 == 0) level = (float)(random.NextDouble() * 4 - 2);
                    sharp[(s * frames + t) * Bins + band] = level;
                }
            }
        var sharpTensor = tensor(sharp, [count, frames, Bins]);
        using var kernel = full([Bins, 1, 5], 0.2f);
        using var padded = nn.functional.pad(sharpTensor.transpose(1, 2), [2, 2], TorchSharp.PaddingModes.Replicate);
        var smeared = nn.functional.conv1d(padded, kernel, groups: Bins).transpose(1, 2).contiguous();
        return (sharpTensor, smeared);
    }

    [Fact]
    public void Trained_on_smeared_mel_it_puts_the_edges_back()
    {
        using var randomness = new DropoutRandomness();
        using var postNet = new PostNet("post", Bins, channels: 32, layerCount: 3, kernel: 5, dropout: 0, randomness);
        var (sharp, smeared) = Steps(32, seed: 1);
        var (heldSharp, heldSmeared) = Steps(8, seed: 2);
        using var _ = sharp; using var __ = smeared; using var ___ = heldSharp; using var ____ = heldSmeared;
        using var mask = ones(32, 40);
        using var optimizer = new AdamW(postNet.parameters().Select((p, i) => new OptimizedParameter($"p{i}", p, Decay: false))); // not TorchSharp's (implicit Scalars)
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGradients();
            postNet.forward(smeared, mask).sub(sharp).abs().mean().backward();
            optimizer.Step(3e-3);
        }
        postNet.eval();
        using var heldMask = ones(8, 40);
        using var refined = postNet.forward(heldSmeared, heldMask);
        double before = heldSmeared.sub(heldSharp).abs().mean().item<float>();
        double after = refined.sub(heldSharp).abs().mean().item<float>();

        Assert.True(after < 0.9 * before, $"held-out L1 {before:F3} smeared, {after:F3} through the trained post-net");
    }
}
