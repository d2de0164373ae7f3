using System.Text.Json;

namespace Twinforge.Voice.Model;

/// <summary>
/// The shape of an <see cref="AcousticModel"/>. The defaults make a small FastSpeech 2: 3 encoder and 3 decoder
/// blocks of width 128 and a post-net (about 2.5 M parameters), which a 2-core machine pre-trains on three hours of
/// speech in half an hour.
/// </summary>
public sealed record AcousticModelConfig
{
    /// <summary>The phoneme inventory, in id order; id 0 is padding, id 1 an unknown phoneme.</summary>
    public required IReadOnlyList<string> Phonemes { get; init; }

    /// <summary>The speakers the model knows, in embedding order.</summary>
    public required IReadOnlyList<string> Speakers { get; init; }

    public int Hidden { get; init; } = 128;
    public int Heads { get; init; } = 2;
    public int EncoderLayers { get; init; } = 3;
    public int DecoderLayers { get; init; } = 3;
    public int FilterSize { get; init; } = 512;
    public int Kernel { get; init; } = 3;

    /// <summary>
    /// The decoder blocks' convolution: wider than the encoder's because the length regulator repeats one vector for
    /// every frame of a phoneme, so only a convolution reaching past the phoneme's edges makes its frames differ
    /// (FastSpeech 2 uses 9 frames). Its filter is narrower than the encoder's to keep a step's cost.
    /// </summary>
    public int DecoderKernel { get; init; } = 9;
    public int DecoderFilterSize { get; init; } = 256;

    /// <summary>The post-net's width (0: none), depth and kernel (<see cref="PostNet"/>).</summary>
    public int PostNetChannels { get; init; } = 128;
    public int PostNetLayers { get; init; } = 5;
    public int PostNetKernel { get; init; } = 5;
    public int SpeakerSize { get; init; } = 64;
    public int MelBins { get; init; } = 80;
    public double Dropout { get; init; } = 0.1;

    /// <summary>Mean and spread of voiced log pitch and of log energy over the corpus, to standardise both.</summary>
    public double PitchMean { get; init; }
    public double PitchStd { get; init; } = 1;
    public double EnergyMean { get; init; }
    public double EnergyStd { get; init; } = 1;

    /// <summary>
    /// Each mel band's mean and spread over the corpus: the aligner reads standardised bands, so every band counts
    /// alike and its distances do not depend on loudness. Null: raw log-mel.
    /// </summary>
    public IReadOnlyList<double>? MelMean { get; init; }
    public IReadOnlyList<double>? MelStd { get; init; }

    /// <summary>
    /// The starting weight of the alignment's diagonal prior (<see cref="Alignment.MonotonicAlignment.DiagonalPrior"/>),
    /// added to the aligner's log-probabilities while training begins (see
    /// <see cref="Training.AcousticTrainingOptions.AlignmentPriorSteps"/>); 0 turns it off.
    /// </summary>
    public double AlignmentPrior { get; init; } = 1;

    /// <summary>The width of the aligner's keys and queries.</summary>
    public int AlignerChannels { get; init; } = 80;

    public const int Padding = 0, Unknown = 1;

    public int PhonemeId(string phoneme)
    {
        for (int id = 2; id < Phonemes.Count; id++)
            if (Phonemes[id] == phoneme) return id;
        return Unknown;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AcousticModelConfig FromJson(string json) => JsonSerializer.Deserialize<AcousticModelConfig>(json, Json)
        ?? throw new JsonException("the acoustic model's config is null");
}
