using Twinforge.Engine.Generation;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests;

[Collection("Torch")]
public sealed class PretrainedModelTests
{
    [Fact]
    public void A_saved_model_directory_loads_and_generates_the_same_text()
    {
        using var directory = new TemporaryDirectory();
        var tokenizer = new ByteLevelTokenizer();
        var generationConfig = new GenerationConfig { DoSample = true, Temperature = 0.9, TopK = 20, MaxNewTokens = 12 };
        using var original = new PretrainedModel(
            TinyModels.Create(TinyModels.Gpt2() with { VocabularySize = tokenizer.VocabularySize, MaxPositions = 64 }), tokenizer, generationConfig);
        original.Save(directory.Path);

        using var loaded = PretrainedModel.Load(directory.Path);
        var options = loaded.DefaultGenerationOptions with { Seed = 3 };

        Assert.Equal(0.9, options.Temperature);
        Assert.Equal(20, options.TopK);
        Assert.Equal(12, options.MaxNewTokens);
        Assert.Equal(original.Generate("Hello", options).Text, loaded.Generate("Hello", options).Text);
    }

    [Fact]
    public void A_tokenizer_larger_than_the_models_vocabulary_is_rejected()
    {
        using var directory = new TemporaryDirectory();
        var tokenizer = new ByteLevelTokenizer(); // 260 ids
        using (var small = new PretrainedModel(TinyModels.Create(TinyModels.Gpt2() with { VocabularySize = 200 }), tokenizer))
            small.Save(directory.Path);

        var error = Assert.Throws<InputFileException>(() => PretrainedModel.Load(directory.Path));
        Assert.Contains(directory.Path, error.Message);
        Assert.Contains("200", error.Message);
    }

    [Fact]
    public void A_missing_directory_is_named()
    {
        var error = Assert.Throws<InputFileException>(() => PretrainedModel.Load("/nonexistent/model"));
        Assert.Equal("/nonexistent/model", error.FilePath);
    }
}
