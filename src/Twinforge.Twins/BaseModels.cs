using System.Security.Cryptography;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Registry;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// Base models as the registry records them: by path, with a content hash over the directory's files (so a changed
/// checkpoint at the same path is noticed), the architecture and the parameter count.
/// </summary>
public static class BaseModels
{
    /// <summary>The registered base model of this directory's content, registering it under <paramref name="name"/> if new.</summary>
    public static BaseModel Register(ITwinRegistry registry, string name, string directory)
    {
        var full = Path.GetFullPath(directory);
        var configPath = Path.Combine(full, "config.json");
        if (!File.Exists(configPath)) throw new InputFileException(full, "not a model directory: config.json is missing");
        var hash = ContentHash(full);
        var known = registry.ListBaseModels().FirstOrDefault(model => model.ContentHash == hash && model.Path == full);
        if (known is not null) return known;
        var config = TransformerConfig.Load(configPath);
        long parameters;
        using (var model = PretrainedModel.Load(full)) parameters = model.Network.parameters().Sum(p => p.numel());
        try
        {
            return registry.CreateBaseModel(new NewBaseModel(name, full, hash,
                $"{config.ModelType}: {config.LayerCount} layers, {config.HiddenSize} hidden, vocabulary {config.VocabularySize}", parameters));
        }
        catch (DuplicateEntityException)
        {
            throw new RegistryException($"a different base model is already registered as '{name}': choose another name");
        }
    }

    /// <summary>
    /// Checks a base model is still what was recorded before training on it: the directory exists and its content
    /// hash is unchanged.
    /// </summary>
    public static string RequireUnchanged(BaseModel baseModel)
    {
        var path = baseModel.Path ?? throw new RegistryException($"base model '{baseModel.Name}' has no path on this machine");
        if (!Directory.Exists(path)) throw new RegistryException($"base model '{baseModel.Name}' is no longer at {path}");
        if (baseModel.ContentHash is string recorded && ContentHash(path) != recorded)
            throw new RegistryException($"base model '{baseModel.Name}' at {path} has changed since it was registered: register it again under a new name");
        return path;
    }

    /// <summary>SHA-256 over each file's name and content, in name order.</summary>
    internal static string ContentHash(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            using var stream = File.OpenRead(file);
            hash.AppendData(SHA256.HashData(stream));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
