using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Watermarking;

/// <summary>
/// A watermark key on disk: JSON <c>{"key_id": "…", "secret": "hex"}</c>, readable only by its owner. A file holding
/// just the hexadecimal secret is read too (its key id is then the file's name), for keys kept elsewhere.
/// </summary>
public static class WatermarkKeyFile
{
    public static void Write(string path, WatermarkKey key)
    {
        var json = new JsonObject { ["key_id"] = key.KeyId, ["secret"] = key.SecretHex() }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(path, stream =>
        {
            // Owner-only before the secret is written, so it is never readable by others, not even briefly.
            if (!OperatingSystem.IsWindows() && stream is FileStream file)
                File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            stream.Write(Encoding.UTF8.GetBytes(json + "\n"));
        });
    }

    /// <summary>Reads a key file; a missing or malformed one is an <see cref="InputFileException"/> naming it.</summary>
    public static WatermarkKey Read(string path)
    {
        if (!File.Exists(path)) throw new InputFileException(path, "watermark key file not found");
        var text = File.ReadAllText(path).Trim();
        if (text.Length == 0) throw new InputFileException(path, "is empty; a watermark key file holds a key's id and secret ('twinforge watermark key new' makes one)");
        try
        {
            // Neither the JSON of 'key new' nor a bare hexadecimal secret: say what a key file is, not how hex is written.
            if (!text.StartsWith('{') && !text.All(Uri.IsHexDigit))
                throw new InputFileException(path, "is not a watermark key file: expected the JSON 'twinforge watermark key new' writes " +
                                                   "({\"key_id\": …, \"secret\": …}), or a file holding just the secret in hexadecimal");
            if (!text.StartsWith('{')) return WatermarkKey.FromHex(Path.GetFileNameWithoutExtension(path), text);
            var json = JsonNode.Parse(text)?.AsObject() ?? throw new InputFileException(path, "expected a JSON object with key_id and secret");
            string Field(string name) => json[name]?.GetValueKind() == JsonValueKind.String
                ? json[name]!.GetValue<string>()
                : throw new InputFileException(path, $"expected a string field \"{name}\"", item: name);
            return WatermarkKey.FromHex(Field("key_id"), Field("secret"));
        }
        catch (JsonException error)
        {
            throw new InputFileException(path, $"not valid JSON: {error.Message}", inner: error);
        }
        catch (ArgumentException error)
        {
            throw new InputFileException(path, ArgumentProblem.Of(error), inner: error);
        }
    }
}
