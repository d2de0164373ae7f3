using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// The index of a sharded Hugging Face checkpoint, <c>model.safetensors.index.json</c>:
/// <c>{"metadata": {"total_size": bytes}, "weight_map": {"tensor name": "shard file name"}}</c>.
/// <c>total_size</c> is the sum of the tensors' data bytes, without headers, as transformers computes it.
/// </summary>
internal sealed class SafetensorsIndex
{
    /// <summary>Index files are small (a line per tensor); a much larger one is not an index.</summary>
    const long MaxIndexBytes = 100_000_000;

    SafetensorsIndex(IReadOnlyDictionary<string, string> weightMap) => WeightMap = weightMap;

    /// <summary>Tensor name → shard file name (a bare file name in the index's directory).</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Reads and validates the index's shape; whether the shards agree is the checkpoint's to check.</summary>
    public static SafetensorsIndex Load(string path)
    {
        byte[] bytes;
        try
        {
            if (new FileInfo(path).Length > MaxIndexBytes)
                throw new InputFileException(path, $"larger than {MaxIndexBytes} bytes: not a safetensors index");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputFileException(path, "file not found", inner: e);
        }

        if (!Utf8.IsValid(bytes))
            throw new InputFileException(path, "not valid UTF-8 text: not a safetensors index");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InputFileException(path, $"not valid JSON ({e.Message})", inner: e);
        }

        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InputFileException(path, "the index must be a JSON object with a weight_map");
            if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InputFileException(path, "missing or not an object: it must map each tensor name to its shard file", "weight_map");

            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new InputFileException(path, "weight_map value must be a shard file name (a string)", entry.Name);
                var shard = entry.Value.GetString()!;
                // Shards live next to the index; a path would let an index read files elsewhere.
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                    throw new InputFileException(path, $"weight_map names '{shard}', which is not a file name in the index's directory", entry.Name);
                if (!weightMap.TryAdd(entry.Name, shard))
                    throw new InputFileException(path, "weight_map lists this tensor twice", entry.Name);
            }
        }
        return new SafetensorsIndex(weightMap);
    }

    /// <summary>The index JSON, keys sorted and indented as transformers writes it.</summary>
    public static string ToJson(IEnumerable<KeyValuePair<string, string>> weightMap, long totalSize)
    {
        var map = new JsonObject();
        foreach (var (name, shard) in weightMap.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            map[name] = shard;
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = totalSize },
            ["weight_map"] = map,
        };
        return index.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";
    }
}
