using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Hub.Tests;

/// <summary>The model the fake hub serves: a 2-layer, 32-wide Llama-style model with seeded weights, as its files.</summary>
public static class TinyHubModel
{
    /// <summary>Every file of the model directory (config, generation config, tokenizer, safetensors), by name.</summary>
    public static Dictionary<string, byte[]> Files()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-hub-model-").FullName;
        try
        {
            var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
                intermediateSize: 64, maxPositions: 256, tieWordEmbeddings: true);
            using (var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer()))
            {
                model.Network.InitializeWeights(seed: 3);
                model.Save(directory);
            }
            return Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
