using Twinforge.Engine;
using Twinforge.Engine.Models;
using TorchSharp;
using Twinforge.Voice.Alignment;
using Twinforge.Voice.Features;
using Twinforge.Voice.Phonemes;
using static TorchSharp.torch;

namespace Twinforge.Voice.Model;

/// <summary>
/// A multi-speaker text-to-mel model of the FastSpeech 2 family (Ren et al. 2021). Phonemes are encoded by
/// feed-forward Transformer blocks; each phoneme's mel frames come from the length regulator repeating it for its
/// duration, with its pitch and energy added; the decoder's blocks turn the frames into log-mel, their layer norms
/// conditioned on the speaker (AdaSpeech), and a <see cref="PostNet"/> puts back the detail the decoder smears. There
/// are no external timings: an <see cref="AlignmentEncoder"/> learns which phoneme each frame belongs to by the
/// forward-sum loss, and monotonic alignment search on its attention gives the durations (FastPitch's and RAD-TTS's
/// aligner), so training on a creator's untimed recordings works as on the synthesised corpus.
/// </summary>
public sealed class AcousticModel : nn.Module
{
    readonly TorchSharp.Modules.Embedding phonemeEmbedding;
    readonly TorchSharp.Modules.Embedding speakerEmbedding;
    readonly AdaptableLinear speakerToHidden;
    readonly TorchSharp.Modules.ModuleList<FftBlock> encoder;
    readonly AlignmentEncoder aligner;
    readonly VariancePredictor durationPredictor, pitchPredictor, energyPredictor;
    readonly AdaptableConv1d pitchEmbedding, energyEmbedding;
    readonly TorchSharp.Modules.ModuleList<FftBlock> decoder;
    readonly AdaptableLinear melOut;
    readonly PostNet? postNet;
    readonly DropoutRandomness randomness = new();

    public AcousticModel(AcousticModelConfig config, int seed = 0) : base("acoustic")
    {
        Config = config;
        phonemeEmbedding = nn.Embedding(config.Phonemes.Count, config.Hidden, padding_idx: AcousticModelConfig.Padding);
        speakerEmbedding = nn.Embedding(config.Speakers.Count, config.SpeakerSize);
        speakerToHidden = new AdaptableLinear("speakerToHidden", config.SpeakerSize, config.Hidden);
        encoder = nn.ModuleList(Enumerable.Range(0, config.EncoderLayers).Select(i => new FftBlock($"encoder{i}", config, config.Kernel, config.FilterSize, conditional: false, randomness)).ToArray());
        aligner = new AlignmentEncoder("aligner", config.Hidden, config.MelBins, config.AlignerChannels);
        durationPredictor = new VariancePredictor("duration", config, randomness);
        pitchPredictor = new VariancePredictor("pitch", config, randomness);
        energyPredictor = new VariancePredictor("energy", config, randomness);
        pitchEmbedding = new AdaptableConv1d("pitchEmbedding", 1, config.Hidden, 3);
        energyEmbedding = new AdaptableConv1d("energyEmbedding", 1, config.Hidden, 3);
        decoder = nn.ModuleList(Enumerable.Range(0, config.DecoderLayers).Select(i => new FftBlock($"decoder{i}", config, config.DecoderKernel, config.DecoderFilterSize, conditional: true, randomness)).ToArray());
        melOut = new AdaptableLinear("melOut", config.Hidden, config.MelBins);
        if (config.PostNetChannels > 0)
            postNet = new PostNet("postNet", config.MelBins, config.PostNetChannels, config.PostNetLayers, config.PostNetKernel, config.Dropout, randomness);
        RegisterComponents();
        Initialize(seed);
    }

    /// <summary>
    /// Seeded weights (a generator of its own, no process-wide seed): matrices and kernels from a normal of Glorot's
    /// spread, embeddings of unit norm, biases zero; layer norms plain, and the conditional norms as plain ones.
    /// </summary>
    void Initialize(int seed)
    {
        using var generator = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            bool conditional = name.Contains(".conditional", StringComparison.Ordinal);
            if (conditional) continue; // ConditionalLayerNorm starts itself as a plain norm
            if (name is "phonemeEmbedding.weight" or "speakerEmbedding.weight")
                parameter.normal_(0, 1 / Math.Sqrt(parameter.shape[1]), generator);
            else if (parameter.dim() >= 2)
            {
                long receptive = parameter.dim() == 3 ? parameter.shape[2] : 1;
                double fanIn = parameter.shape[1] * receptive, fanOut = parameter.shape[0] * receptive;
                parameter.normal_(0, Math.Sqrt(2 / (fanIn + fanOut)), generator);
            }
            else parameter.FillInPlace(name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 : 0.0); // layer norms' scale 1, every bias 0
        }
        using (var padding = phonemeEmbedding.weight![AcousticModelConfig.Padding]) padding.FillInPlace(0);
        if (postNet is not null)
        {
            postNet.Last.weight!.FillInPlace(0);
            postNet.Last.bias!.FillInPlace(0);
        }
    }

    public AcousticModelConfig Config { get; }

    /// <summary>
    /// The weight the diagonal prior has in alignment now: set by the trainer as it fades, zero otherwise (a trained
    /// aligner aligns alone).
    /// </summary>
    public double AlignmentPriorWeight { get; set; }

    /// <summary>Where dropout draws its masks: the model's own generator, seeded by the trainer (no process-wide seed).</summary>
    public DropoutRandomness Randomness => randomness;

    protected override void Dispose(bool disposing)
    {
        if (disposing) randomness.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The speakers' embedding table [speakers, speaker size].</summary>
    public Tensor SpeakerTable => speakerEmbedding.weight!;

    /// <summary>The decoder's conditional norms, which a new voice trains when adapted (with its speaker vector and its layers' low-rank updates).</summary>
    public IEnumerable<ConditionalLayerNorm> ConditionalNorms => decoder.SelectMany(block => block.ConditionalNorms);

    /// <summary>
    /// Every layer a voice can change by a low-rank update, by its name in the model: the encoder's, the variance
    /// predictors', the decoder's and the post-net's (the aligner's are not: adapting leaves it frozen).
    /// </summary>
    public IReadOnlyList<(string Name, AdaptableLayer Layer)> AdaptableLayers =>
        [.. named_modules().Where(module => module.module is AdaptableLayer).Select(module => (module.name, (AdaptableLayer)module.module))];

    /// <summary>The speaker vectors [batch, speaker size] of speaker ids [batch].</summary>
    public Tensor SpeakerVectors(Tensor speakerIds) => speakerEmbedding.forward(speakerIds);

    /// <summary>Encoded phonemes [batch, phonemes, hidden], the speaker added.</summary>
    public Tensor Encode(Tensor phonemes, Tensor mask, Tensor speaker)
    {
        using var scope = NewDisposeScope();
        var x = phonemeEmbedding.forward(phonemes).Plus(Positions(phonemes.shape[1])).mul(mask.unsqueeze(2));
        foreach (var block in encoder) x = block.forward(x, mask, speaker);
        return x.Plus(speakerToHidden.forward(speaker).unsqueeze(1)).mul(mask.unsqueeze(2)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The training losses of a batch, with <paramref name="speaker"/> [batch, speaker size] as the voices (the
    /// table's rows for pre-training, an adapter's vector for adaptation).
    /// </summary>
    public AcousticLosses Losses(SpeechBatch batch, Tensor speaker)
    {
        using var scope = NewDisposeScope();
        var hidden = Encode(batch.Phonemes, batch.PhonemeMask, speaker);
        var attention = Attention(batch);
        var alignmentLoss = aligner.ForwardSumLoss(attention, batch.PhonemeCounts, batch.FrameCounts);
        var durations = AlignmentEncoder.Durations(attention, batch.PhonemeCounts, batch.FrameCounts);
        var frameToPhoneme = FrameIndex(durations, (int)batch.Mel.shape[1]);
        var frameMask = batch.FrameMask.unsqueeze(2);
        long frames = Math.Max(1, batch.FrameCounts.Sum()), bins = Config.MelBins;

        var logDurations = tensor(Pad(durations, d => (float)Math.Log(d + 1.0), (int)batch.Phonemes.shape[1]), [batch.Size, batch.Phonemes.shape[1]]);
        var predictedDurations = durationPredictor.forward(hidden.detach(), batch.PhonemeMask);
        var phonemes = Math.Max(1, batch.PhonemeCounts.Sum());
        var durationLoss = predictedDurations.Minus(logDurations).Squared().mul(batch.PhonemeMask).sum().DividedBy(phonemes);

        var (mel, pitchTarget, energyTarget) = DecodeAligned(hidden, durations, frameToPhoneme, batch, speaker);
        var pitchLoss = pitchPredictor.forward(hidden, batch.PhonemeMask).Minus(pitchTarget).Squared().mul(batch.PhonemeMask).sum().DividedBy(phonemes);
        var energyLoss = energyPredictor.forward(hidden, batch.PhonemeMask).Minus(energyTarget).Squared().mul(batch.PhonemeMask).sum().DividedBy(phonemes);
        Tensor L1(Tensor predicted) => predicted.Minus(batch.Mel).abs().mul(frameMask).sum().DividedBy(frames * bins);
        var refined = Refine(mel, batch.FrameMask);
        return new AcousticLosses
        {
            Mel = L1(refined).MoveToOuterDisposeScope(),
            Decoder = (postNet is null ? zeros(1).sum() : L1(mel)).MoveToOuterDisposeScope(),
            Alignment = alignmentLoss.MoveToOuterDisposeScope(), Duration = durationLoss.MoveToOuterDisposeScope(),
            Pitch = pitchLoss.MoveToOuterDisposeScope(), Energy = energyLoss.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>
    /// The decoder's log-mel [batch, frames, bins] given each utterance's real timing, pitch and energy (as in
    /// training): what the model says when nothing but the decoder can go wrong, to tell its errors from the predictors'.
    /// </summary>
    public Tensor Reconstruct(SpeechBatch batch, Tensor speaker)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var hidden = Encode(batch.Phonemes, batch.PhonemeMask, speaker);
        var durations = AlignmentEncoder.Durations(Attention(batch), batch.PhonemeCounts, batch.FrameCounts);
        var mel = DecodeAligned(hidden, durations, FrameIndex(durations, (int)batch.Mel.shape[1]), batch, speaker).Mel;
        return Refine(mel, batch.FrameMask).MoveToOuterDisposeScope();
    }

    /// <summary>The length regulator and decoder on the aligned durations, with the real pitch and energy per phoneme (standardised), which come back too.</summary>
    (Tensor Mel, Tensor PitchTarget, Tensor EnergyTarget) DecodeAligned(Tensor hidden, int[][] durations, Tensor frameToPhoneme, SpeechBatch batch, Tensor speaker)
    {
        var pitchTarget = PerPhoneme(batch.Pitch, durations, skipZeros: true, Config.PitchMean, Config.PitchStd, (int)batch.Phonemes.shape[1]);
        var energyTarget = PerPhoneme(batch.Energy, durations, skipZeros: false, Config.EnergyMean, Config.EnergyStd, (int)batch.Phonemes.shape[1]);
        var varied = hidden.Plus(Embed(pitchEmbedding, pitchTarget)).Plus(Embed(energyEmbedding, energyTarget)).mul(batch.PhonemeMask.unsqueeze(2));
        return (Decode(Gather(varied, frameToPhoneme), batch.FrameMask, speaker), pitchTarget, energyTarget);
    }

    /// <summary>Log-mel frames [frames, bins] for one phoneme sequence in one voice (<paramref name="speaker"/>: [speaker size]).</summary>
    /// <param name="pace">Durations are divided by it: above 1 speaks faster.</param>
    public Tensor Synthesise(IReadOnlyList<int> phonemeIds, Tensor speaker, double pace = 1)
    {
        using var scope = NewDisposeScope();
        using var inference = no_grad();
        var phonemes = tensor(phonemeIds.Select(id => (long)id).ToArray()).unsqueeze(0);
        var mask = ones(1, phonemeIds.Count);
        var voice = speaker.view(1, -1);
        var hidden = Encode(phonemes, mask, voice);
        var logDurations = durationPredictor.forward(hidden, mask).squeeze(0).data<float>().ToArray();
        var durations = logDurations.Select(d => Math.Max(1, (int)Math.Round((Math.Exp(d) - 1) / pace))).ToArray();
        var pitch = pitchPredictor.forward(hidden, mask);
        var energy = energyPredictor.forward(hidden, mask);
        var varied = hidden.Plus(Embed(pitchEmbedding, pitch)).Plus(Embed(energyEmbedding, energy));
        var frameToPhoneme = FrameIndex([durations], durations.Sum());
        using var frameMask = ones(1, durations.Sum());
        var mel = Refine(Decode(Gather(varied, frameToPhoneme), frameMask, voice), frameMask);
        return mel.squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-mel frames [frames, bins] for a text's phonemes, however long: spoken piece by piece
    /// (<see cref="PhonemeChunks"/>), each framed by pauses as the model was trained, and joined, so the memory it takes
    /// is bounded by a piece's length rather than growing with the square of the text's.
    /// </summary>
    public Tensor SynthesiseText(IReadOnlyList<string> phonemes, Tensor speaker, int maxPhonemes = PhonemeChunks.DefaultMaxPhonemes)
    {
        var pieces = PhonemeChunks.Split(phonemes, maxPhonemes);
        if (pieces.Count == 0) throw new ArgumentException("there are no phonemes to speak", nameof(phonemes));
        var pause = Config.PhonemeId(Phonemiser.Pause);
        var frames = new List<Tensor>(pieces.Count);
        try
        {
            foreach (var piece in pieces) frames.Add(Synthesise([pause, .. piece.Select(Config.PhonemeId), pause], speaker));
            return frames.Count == 1 ? frames[0].alias() : cat(frames, 0);
        }
        finally
        {
            foreach (var piece in frames) piece.Dispose();
        }
    }

    Tensor Decode(Tensor frames, Tensor frameMask, Tensor speaker)
    {
        var x = frames.Plus(Positions(frames.shape[1])).mul(frameMask.unsqueeze(2));
        foreach (var block in decoder) x = block.forward(x, frameMask, speaker);
        return melOut.forward(x);
    }

    /// <summary>The decoder's log-mel through the post-net (as is, for a model without one).</summary>
    Tensor Refine(Tensor mel, Tensor frameMask) => postNet is null ? mel.alias() : postNet.forward(mel, frameMask);

    /// <summary>The aligner's log-probabilities [B, T, N] of each frame belonging to each phoneme, the diagonal prior included.</summary>
    Tensor Attention(SpeechBatch batch)
    {
        using var scope = NewDisposeScope();
        // No prior once it has faded (or when adapting): no [B, T, N] grid of zeros built and added every step.
        using var logPrior = AlignmentPriorWeight > 0
            ? AlignmentEncoder.LogPrior(batch.PhonemeCounts, batch.FrameCounts, (int)batch.Mel.shape[1], (int)batch.Phonemes.shape[1], AlignmentPriorWeight)
            : null;
        return aligner.LogProbabilities(phonemeEmbedding.forward(batch.Phonemes), Standardised(batch.Mel), batch.PhonemeMask, logPrior).MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel [B, T, bins] with each band standardised by the corpus's statistics (as is, for a model without them).</summary>
    Tensor Standardised(Tensor mel)
    {
        if (Config.MelMean is not { } mean || Config.MelStd is not { } std) return mel.alias();
        using var scope = NewDisposeScope();
        var meanTensor = tensor(mean.Select(v => (float)v).ToArray());
        var stdTensor = tensor(std.Select(v => (float)v).ToArray());
        return mel.Minus(meanTensor).div(stdTensor).MoveToOuterDisposeScope();
    }

    /// <summary>For every frame of every utterance, the phoneme it belongs to [batch, frames] (padding frames: 0).</summary>
    static Tensor FrameIndex(int[][] durations, int frames)
    {
        var index = new long[durations.Length * frames];
        for (int b = 0; b < durations.Length; b++)
        {
            int frame = 0;
            for (int phoneme = 0; phoneme < durations[b].Length; phoneme++)
                for (int k = 0; k < durations[b][phoneme] && frame < frames; k++) index[b * frames + frame++] = phoneme;
        }
        return tensor(index, [durations.Length, frames]);
    }

    /// <summary>The length regulator: each frame takes its phoneme's vector. [B, N, C] → [B, T, C].</summary>
    static Tensor Gather(Tensor perPhoneme, Tensor frameToPhoneme) =>
        perPhoneme.gather(1, frameToPhoneme.unsqueeze(2).expand(-1, -1, perPhoneme.shape[2]));

    static Tensor Embed(AdaptableConv1d embedding, Tensor perPhoneme) =>
        embedding.forward(perPhoneme.unsqueeze(1)).transpose(1, 2);

    static Tensor PerPhoneme(Tensor perFrame, int[][] durations, bool skipZeros, double mean, double std, int width)
    {
        var values = perFrame.data<float>().ToArray();
        long frames = perFrame.shape[1];
        var result = new float[durations.Length * width];
        for (int b = 0; b < durations.Length; b++)
        {
            var means = Prosody.PerPhoneme(values.AsSpan((int)(b * frames), (int)frames), durations[b], skipZeros);
            for (int i = 0; i < means.Length; i++)
                result[b * width + i] = skipZeros && means[i] == 0 ? 0 : (float)((means[i] - mean) / std);
        }
        return tensor(result, [durations.Length, width]);
    }

    static float[] Pad(int[][] rows, Func<int, float> value, int width)
    {
        var result = new float[rows.Length * width];
        for (int b = 0; b < rows.Length; b++)
            for (int i = 0; i < rows[b].Length; i++) result[b * width + i] = value(rows[b][i]);
        return result;
    }

    Tensor Positions(long length)
    {
        // Sinusoidal positions (Vaswani et al.): what order the phonemes or frames come in.
        using var scope = NewDisposeScope();
        var position = ScalarOperations.Range(0, length).to_type(ScalarType.Float32).unsqueeze(1);
        var rates = ScalarOperations.Range(0, Config.Hidden / 2).to_type(ScalarType.Float32).Times(-2 * Math.Log(10_000.0) / Config.Hidden).exp();
        var angles = position.mul(rates);
        return stack([angles.sin(), angles.cos()], 2).view(length, Config.Hidden).MoveToOuterDisposeScope();
    }
}
