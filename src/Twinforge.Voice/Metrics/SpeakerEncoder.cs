using Twinforge.Engine;
using Twinforge.Engine.Training;
using TorchSharp;
using Twinforge.Voice.Training;
using static TorchSharp.torch;

namespace Twinforge.Voice.Metrics;

/// <summary>
/// The judge of whose voice a clip is: a small network trained here to tell the foundation corpus's speakers apart
/// (convolutions over log-mel frames, mean and spread pooled over time, a 64-number embedding of unit length, a
/// softmax over the speakers), whose embeddings then compare any two clips by cosine — including voices it never
/// heard, such as the creators. It shares no weights with the acoustic model.
/// </summary>
public sealed class SpeakerEncoder : nn.Module<Tensor, Tensor>
{
    public const int EmbeddingSize = 64;
    /// <summary>Training crops: two seconds of frames, so it judges the voice rather than the sentence.</summary>
    const int CropFrames = 125;

    readonly TorchSharp.Modules.Conv1d first, second;
    readonly TorchSharp.Modules.Linear embed;
    readonly TorchSharp.Modules.Linear classify;

    public SpeakerEncoder(int melBins, int speakers, int seed = 0) : base("speaker_encoder")
    {
        first = nn.Conv1d(melBins, 128, 5, padding: 2);
        second = nn.Conv1d(128, 128, 5, padding: 2);
        embed = nn.Linear(256, EmbeddingSize);
        classify = nn.Linear(EmbeddingSize, speakers);
        RegisterComponents();
        using var generator = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (parameter.dim() == 1) parameter.FillInPlace(0);
            else parameter.normal_(0, Math.Sqrt(2.0 / (parameter.shape[1] * (parameter.dim() == 3 ? parameter.shape[2] : 1))), generator);
        }
    }

    /// <summary>Unit-length embeddings [batch, 64] of log-mel frames [batch, frames, bins].</summary>
    public override Tensor forward(Tensor frames)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(first.forward(frames.transpose(1, 2)));
        x = nn.functional.relu(second.forward(x));
        var pooled = cat([x.mean([2]), x.std(2)], 1);
        return nn.functional.normalize(embed.forward(pooled), p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>The embedding of one clip's log-mel frames [frames, bins].</summary>
    public float[] Embed(Tensor frames)
    {
        eval();
        using var _ = no_grad();
        using var embedding = forward(frames.unsqueeze(0));
        return embedding.squeeze(0).data<float>().ToArray();
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Trains it to name the speakers of <paramref name="data"/>'s clips from random two-second crops (a seeded run).</summary>
    /// <returns>The last hundred steps' accuracy on their own crops.</returns>
    public double Train(SpeechDataset data, int steps, int seed, int batchSize = 32, double learningRate = 1e-3)
    {
        train();
        var random = new Random(seed);
        var clips = data.Utterances.Where(u => u.Frames >= CropFrames).ToList();
        // The engine's Adam (AdamW without decay): TorchSharp's passes implicit Scalars (see AcousticTrainer).
        using var optimizer = new AdamW(named_parameters().Select(p => new OptimizedParameter(p.name, p.parameter, Decay: false)));
        int correct = 0, seen = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var crops = new float[batchSize * CropFrames * data.MelBins];
            var labels = new long[batchSize];
            for (int b = 0; b < batchSize; b++)
            {
                var clip = clips[random.Next(clips.Count)];
                int start = random.Next(clip.Frames - CropFrames + 1);
                Array.Copy(clip.Mel, start * data.MelBins, crops, b * CropFrames * data.MelBins, CropFrames * data.MelBins);
                labels[b] = clip.Speaker;
            }
            var logits = classify.forward(forward(tensor(crops, [batchSize, CropFrames, data.MelBins])).Times(10)); // scaled cosine-like logits
            var target = tensor(labels);
            var loss = nn.functional.cross_entropy(logits, target);
            optimizer.ZeroGradients();
            loss.backward();
            optimizer.Step(learningRate);
            if (step >= steps - 100)
            {
                correct += (int)logits.argmax(1).eq(target).sum().item<long>();
                seen += batchSize;
            }
        }
        eval();
        return seen == 0 ? 0 : (double)correct / seen;
    }
}
