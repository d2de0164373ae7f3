using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Voice.Corpus;

/// <summary>
/// A directory of speech: <c>manifest.jsonl</c> (a <see cref="SpeechUtterance"/> a line) and the WAV files it names,
/// all mono at one sample rate.
/// </summary>
public sealed record SpeechCorpus(string Directory, int SampleRate, IReadOnlyList<SpeechUtterance> Utterances)
{
    public const string ManifestFileName = "manifest.jsonl";

    // Relaxed escaping: voice ids (en-us+f3) and phonemes ('I) stay readable in the manifest.
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public IEnumerable<string> Speakers => Utterances.Select(utterance => utterance.Speaker).Distinct();

    public string PathOf(SpeechUtterance utterance) => Path.Combine(Directory, utterance.Wav);

    public double Seconds(string speaker) => Utterances.Where(utterance => utterance.Speaker == speaker).Sum(utterance => utterance.Seconds);

    public void Save() => AtomicFile.WriteAllText(Path.Combine(Directory, ManifestFileName),
        string.Concat(Utterances.Select(utterance => JsonSerializer.Serialize(utterance, Json) + "\n")));

    /// <exception cref="InputFileException">The manifest is missing, a line is not an utterance, or names a missing WAV file.</exception>
    public static SpeechCorpus Load(string directory, int sampleRate)
    {
        var manifest = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifest)) throw new InputFileException(manifest, "does not exist: this is not a speech corpus (twinforge voice corpus builds one)");
        var utterances = new List<SpeechUtterance>();
        int number = 0;
        foreach (var line in File.ReadLines(manifest))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            SpeechUtterance? utterance;
            try
            {
                utterance = JsonSerializer.Deserialize<SpeechUtterance>(line, Json);
            }
            catch (JsonException error)
            {
                throw new InputFileException(manifest, $"is not an utterance ({error.Message})", line: number, inner: error);
            }
            if (utterance is null || utterance.Id is null || utterance.Wav is null || utterance.Phonemes is null)
                throw new InputFileException(manifest, "lacks id, wav or phonemes", line: number);
            if (!File.Exists(Path.Combine(directory, utterance.Wav)))
                throw new InputFileException(manifest, $"names {utterance.Wav}, which is not in {directory}", line: number);
            utterances.Add(utterance);
        }
        return new SpeechCorpus(directory, sampleRate, utterances);
    }
}
