using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine;
using static TorchSharp.torch;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// A built-in base model shipped with the project (<c>models/&lt;size&gt;/</c> in the repository, copied beside the
/// program by the build): its weights in bfloat16 safetensors, config.json, the tokenizer, and <c>shipped.json</c>
/// naming the size and cache key it was pre-trained as, with the SHA-256 of every file. A shipped model is used
/// instead of pre-training only while its cache key is the size's: a changed shape, budget or corpus pre-trains anew.
/// </summary>
public static class ShippedBaseModel
{
    public const string MarkerFileName = "shipped.json";

    /// <summary>Where the build puts shipped models: models/&lt;size&gt; under <paramref name="root"/>, by default beside the program.</summary>
    public static string DirectoryFor(BuiltInModelSize size, string? root = null) => Path.Combine(root ?? AppContext.BaseDirectory, "models", size.Name);

    /// <summary>The shipped model's directory for this size, or null when none is shipped or it was made for another cache key.</summary>
    public static string? Find(BuiltInModelSize size, string? root = null)
    {
        var directory = DirectoryFor(size, root);
        var marker = Path.Combine(directory, MarkerFileName);
        if (!File.Exists(marker)) return null;
        var key = JsonNode.Parse(File.ReadAllText(marker))?["cache_key"]?.GetValue<string>();
        return key == size.CacheKey ? directory : null;
    }

    /// <summary>How many sittings of pre-training made the shipped model in <paramref name="directory"/> (<see cref="BaseModelSittings"/>; 1 when its marker does not say).</summary>
    public static int Sittings(string directory) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(directory, MarkerFileName)))?["sittings"]?.GetValue<int>() ?? 1;

    /// <summary>
    /// Writes the pre-trained model in <paramref name="modelDirectory"/> as shipped into <paramref name="target"/>
    /// (created, or replaced whole): weights converted to bfloat16, the config and tokenizer, the run's recipe.yaml when
    /// there is one (or, for a model pre-trained in sittings, each sitting's <paramref name="recipes"/>), and the marker
    /// with the size, its cache key, the number of sittings, the parameter count and each file's SHA-256. Returns the marker's JSON.
    /// </summary>
    public static string Publish(string modelDirectory, BuiltInModelSize size, string target, int sittings = 1,
        IReadOnlyList<(string Name, string Path)>? recipes = null)
    {
        using var model = PretrainedModel.Load(modelDirectory, ScalarType.BFloat16);
        long parameters = model.Network.ParameterCount;
        string json = "";
        // The recipe it was pre-trained with travels with it, when the model is a run's model/ (a run directory's recipe.yaml).
        var recipe = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelDirectory))!, "recipe.yaml");
        recipes ??= File.Exists(recipe) ? [("recipe.yaml", recipe)] : [];
        AtomicDirectory.Write(target, directory =>
        {
            model.Save(directory);
            foreach (var (name, path) in recipes) File.Copy(path, Path.Combine(directory, name));
            var files = new JsonObject();
            foreach (var file in System.IO.Directory.GetFiles(directory).Order(StringComparer.Ordinal))
                files[Path.GetFileName(file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant();
            var marker = new JsonObject
            {
                ["size"] = size.Name,
                ["cache_key"] = size.CacheKey,
                ["sittings"] = sittings,
                ["parameters"] = parameters,
                ["dtype"] = "bfloat16",
                ["sha256"] = files,
            };
            json = marker.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            File.WriteAllText(Path.Combine(directory, MarkerFileName), json + "\n");
        });
        return json;
    }
}
