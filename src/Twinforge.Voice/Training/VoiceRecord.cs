using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Voice.Training;

/// <summary>
/// <c>voice.json</c> beside a voice adapter: which foundation it adapts (path and weights' SHA-256), what it was
/// adapted from, and how well: the held-out clips' mel loss before (the foundation's average voice) and after; the
/// rank of its layers' low-rank updates (0, as in a voice made before they existed: the norms alone).
/// </summary>
public sealed record VoiceRecord(string Foundation, string FoundationSha256, string Recordings, int Clips, double Seconds, int HeldOutClips,
    double UnadaptedHeldOutMelLoss, double AdaptedHeldOutMelLoss, int Epochs, double TrainingSeconds, DateTimeOffset Created, int AdapterRank = 0)
{
    public const string FileName = "voice.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));

    /// <exception cref="InputFileException">Missing or not a voice record.</exception>
    public static VoiceRecord Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new InputFileException(path, "does not exist: not a voice made by twinforge voice adapt");
        try
        {
            return JsonSerializer.Deserialize<VoiceRecord>(File.ReadAllText(path), Json) ?? throw new JsonException("it holds null");
        }
        catch (JsonException error)
        {
            throw new InputFileException(path, $"is not a voice record ({error.Message})", inner: error);
        }
    }
}
