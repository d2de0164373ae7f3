using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Engine;
using Twinforge.Storage;
using Twinforge.Voice.Model;

namespace Twinforge.Cli.BuiltIn.Voice;

/// <summary>
/// The voice foundation shipped with the project (<c>models/voice/</c> in the repository, copied beside the program by
/// the build): its config.json and float32 weights as pre-trained, and <c>shipped.json</c> naming the architecture it
/// was trained as, with its parameter count and every file's SHA-256. Voice commands use it when the cache holds no
/// foundation of their own, so a new user adapts a voice in seconds instead of pre-training for half an hour first; it
/// is used only while its architecture is the program's (an older one would not load).
/// </summary>
public static class ShippedVoiceFoundation
{
    public const string MarkerFileName = "shipped.json";

    /// <summary>Where the build puts it: models/voice under <paramref name="root"/>, by default beside the program.</summary>
    public static string DirectoryFor(string? root = null) => Path.Combine(root ?? AppContext.BaseDirectory, "models", "voice");

    /// <summary>The shipped foundation's directory, or null when none is shipped or it is of another architecture than <paramref name="architecture"/>.</summary>
    public static string? Find(string architecture, string? root = null)
    {
        var directory = DirectoryFor(root);
        var marker = Path.Combine(directory, MarkerFileName);
        if (!File.Exists(marker)) return null;
        string? shipped;
        try
        {
            shipped = JsonNode.Parse(File.ReadAllText(marker))?["architecture"]?.GetValue<string>();
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            throw new InputFileException(marker, $"is not a shipped foundation's marker ({error.Message}): restore it from the repository", inner: error);
        }
        return shipped == architecture && File.Exists(Path.Combine(directory, AcousticModelFiles.WeightsFileName)) ? directory : null;
    }

    /// <summary>
    /// Writes the foundation in <paramref name="modelDirectory"/> as shipped into <paramref name="target"/> (created,
    /// or replaced whole): its config and weights unchanged, and the marker with the architecture, the parameter count
    /// and each file's SHA-256. Returns the marker's JSON.
    /// </summary>
    public static string Publish(string modelDirectory, string architecture, string target)
    {
        long parameters;
        using (var model = AcousticModelFiles.Load(modelDirectory)) parameters = model.parameters().Sum(p => p.numel());
        string json = "";
        AtomicDirectory.Write(target, directory =>
        {
            var files = new JsonObject();
            foreach (var name in new[] { AcousticModelFiles.ConfigFileName, AcousticModelFiles.WeightsFileName })
            {
                File.Copy(Path.Combine(modelDirectory, name), Path.Combine(directory, name));
                files[name] = EnglishCorpus.Sha256(Path.Combine(directory, name));
            }
            var marker = new JsonObject { ["architecture"] = architecture, ["parameters"] = parameters, ["dtype"] = "float32", ["sha256"] = files };
            json = marker.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            File.WriteAllText(Path.Combine(directory, MarkerFileName), json + "\n");
        });
        return json;
    }
}
