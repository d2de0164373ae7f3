using Twinforge.Engine;
using TorchSharp;
using Twinforge.Voice.Alignment;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// Learns which phoneme each mel frame belongs to, as FastPitch and RAD-TTS do (Badlani et al. 2021, "One TTS
/// Alignment to Rule Them All"): small convolution stacks map phonemes to keys and standardised mel frames to
/// queries; every frame attends over the phonemes by their distance (with the diagonal beta-binomial prior added);
/// and the forward-sum loss (CTC with each phoneme its own label, in order) maximises the likelihood of the frames
/// summed over every monotonic alignment. Being soft and summed over all paths, it does not lock into its own early
/// mistakes the way a hard search on the decoder's means does; the hard durations the decoder trains on are then
/// monotonic alignment search on its attention.
/// </summary>
public sealed class AlignmentEncoder : nn.Module
{
    readonly TorchSharp.Modules.Conv1d keyFirst, keySecond, queryFirst, querySecond, queryThird;
    readonly TorchSharp.Modules.CTCLoss forwardSum = nn.CTCLoss(blank: 0, zero_infinity: true);
    readonly int channels;

    /// <summary>The log-probability of the CTC blank, which the alignment never uses (FastPitch's value).</summary>
    const double BlankLogProbability = -1;

    public AlignmentEncoder(string name, int phonemeWidth, int melBins, int channels) : base(name)
    {
        this.channels = channels;
        keyFirst = nn.Conv1d(phonemeWidth, 2 * channels, 3, padding: 1);
        keySecond = nn.Conv1d(2 * channels, channels, 1);
        queryFirst = nn.Conv1d(melBins, 2 * channels, 3, padding: 1);
        querySecond = nn.Conv1d(2 * channels, channels, 1);
        queryThird = nn.Conv1d(channels, channels, 1);
        RegisterComponents();
    }

    /// <summary>
    /// Each frame's log-probability over the phonemes [batch, frames, phonemes], the prior included; padding phonemes
    /// are impossible (a large negative number), padding frames are ignored by the callers.
    /// </summary>
    /// <param name="phonemes">Phoneme embeddings [batch, phonemes, width].</param>
    /// <param name="mel">Standardised log-mel [batch, frames, bins].</param>
    /// <param name="logPrior">The diagonal prior's log-probabilities [batch, frames, phonemes], or null for none.</param>
    public Tensor LogProbabilities(Tensor phonemes, Tensor mel, Tensor phonemeMask, Tensor? logPrior)
    {
        using var scope = NewDisposeScope();
        var keys = keySecond.forward(nn.functional.relu(keyFirst.forward(phonemes.transpose(1, 2)))).transpose(1, 2);                   // [B, N, C]
        var queries = queryThird.forward(nn.functional.relu(querySecond.forward(nn.functional.relu(queryFirst.forward(mel.transpose(1, 2)))))).transpose(1, 2); // [B, T, C]
        // −‖q − k‖² / C for every frame and phoneme: −(‖q‖² − 2 q·k + ‖k‖²) / C.
        var distances = queries.Squared().sum(-1, keepdim: true).Minus(queries.matmul(keys.transpose(1, 2)).Times(2)).Plus(keys.Squared().sum(-1).unsqueeze(1));
        var padding = phonemeMask.unsqueeze(1).EqualTo(0);
        var logProbabilities = distances.Times(-1.0 / channels).FilledWhere(padding, -1e4).log_softmax(-1);
        if (logPrior is not null) logProbabilities = logProbabilities.Plus(logPrior).FilledWhere(padding, -1e4);
        return logProbabilities.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward-sum loss: −log of the frames' probability summed over every monotonic alignment that gives each
    /// phoneme, in order, at least one frame — CTC with phoneme i as label i, a blank it never needs, per phoneme.
    /// </summary>
    public Tensor ForwardSumLoss(Tensor logProbabilities, int[] phonemeCounts, int[] frameCounts)
    {
        using var scope = NewDisposeScope();
        long batch = logProbabilities.shape[0], phonemes = logProbabilities.shape[2];
        var blank = ScalarOperations.FullLike(logProbabilities.narrow(2, 0, 1), BlankLogProbability);
        var withBlank = cat([blank, logProbabilities], 2).log_softmax(-1).transpose(0, 1); // [T, B, N + 1]
        var targets = ScalarOperations.Range(1, phonemes + 1).unsqueeze(0).expand(batch, -1).contiguous();
        var inputLengths = tensor(frameCounts.Select(count => (long)count).ToArray());
        var targetLengths = tensor(phonemeCounts.Select(count => (long)count).ToArray());
        return forwardSum.forward(withBlank, targets, inputLengths, targetLengths).MoveToOuterDisposeScope();
    }

    /// <summary>Each utterance's durations: monotonic alignment search on its frames' log-probabilities (no gradient).</summary>
    public static int[][] Durations(Tensor logProbabilities, int[] phonemeCounts, int[] frameCounts)
    {
        using var scope = NewDisposeScope();
        var byPhoneme = logProbabilities.detach().transpose(1, 2).contiguous(); // [B, N, T]
        long n = byPhoneme.shape[1], t = byPhoneme.shape[2];
        var grid = byPhoneme.data<float>().ToArray();
        var durations = new int[phonemeCounts.Length][];
        for (int b = 0; b < phonemeCounts.Length; b++)
        {
            int phonemes = phonemeCounts[b], frames = frameCounts[b];
            var own = new float[phonemes * frames];
            for (int i = 0; i < phonemes; i++) Array.Copy(grid, (b * n + i) * t, own, i * frames, frames);
            durations[b] = MonotonicAlignment.Durations(own, phonemes, frames);
        }
        return durations;
    }

    /// <summary>The diagonal prior for a batch [batch, frames, phonemes], scaled by <paramref name="weight"/>; zero in padding.</summary>
    public static Tensor LogPrior(int[] phonemeCounts, int[] frameCounts, int maxFrames, int maxPhonemes, double weight)
    {
        var values = new float[phonemeCounts.Length * maxFrames * maxPhonemes];
        for (int b = 0; b < phonemeCounts.Length; b++)
        {
            int phonemes = phonemeCounts[b], frames = frameCounts[b];
            var prior = MonotonicAlignment.DiagonalPrior(phonemes, frames); // [phonemes, frames]
            for (int i = 0; i < phonemes; i++)
                for (int f = 0; f < frames; f++)
                    values[(b * maxFrames + f) * maxPhonemes + i] = (float)(weight * prior[i * frames + f]);
        }
        return tensor(values, [phonemeCounts.Length, maxFrames, maxPhonemes]);
    }
}
