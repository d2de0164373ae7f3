using Twinforge.Engine;
using Twinforge.Engine.Checkpoints;

namespace Twinforge.Voice.Model;

/// <summary>An acoustic model on disk: <c>config.json</c> (shape, phonemes, speakers, prosody statistics) and <c>model.safetensors</c>, written as one directory atomically.</summary>
public static class AcousticModelFiles
{
    public const string ConfigFileName = "config.json", WeightsFileName = "model.safetensors";

    public static void Save(AcousticModel model, string directory) => AtomicDirectory.Write(directory, staging =>
    {
        File.WriteAllText(Path.Combine(staging, ConfigFileName), model.Config.ToJson());
        SafetensorsWriter.Write(Path.Combine(staging, WeightsFileName), model.state_dict());
    });

    /// <exception cref="InputFileException">A file is missing or does not fit the config.</exception>
    public static AcousticModel Load(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath)) throw new InputFileException(configPath, "does not exist: not an acoustic model directory");
        AcousticModelConfig config;
        try
        {
            config = AcousticModelConfig.FromJson(File.ReadAllText(configPath));
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new InputFileException(configPath, $"is not an acoustic model's config ({error.Message})", inner: error);
        }
        var model = new AcousticModel(config);
        try
        {
            var weightsPath = Path.Combine(directory, WeightsFileName);
            using var weights = SafetensorsFile.Open(weightsPath);
            foreach (var (name, tensor) in model.state_dict())
            {
                if (!weights.Contains(name))
                    throw new InputFileException(weightsPath, "lacks a tensor the config needs (a model of an earlier architecture? pre-train it again)", item: name);
                weights.ReadInto(name, tensor);
            }
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
