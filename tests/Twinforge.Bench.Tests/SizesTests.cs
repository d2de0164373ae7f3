using Twinforge.Bench.Sizes;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using static TorchSharp.torch;

namespace Twinforge.Bench.Tests;

/// <summary>
/// The <c>sizes</c> part: the published shapes are the published models' (their parameter counts as published), the
/// synthetic tokenizers have the vocabulary's size with the special tokens where the real ones are, and the scaled-down
/// copies of every shape load, LoRA-train and generate through the whole command. The slow tests train the real
/// shapes and check the memory targets.
/// </summary>
[Collection("Harness")]
public sealed class SizesTests
{
    [Theory]
    [InlineData("qwen2.5-0.5b")]
    [InlineData("smollm2-360m")]
    [InlineData("llama-3.2-1b")]
    public void Published_shape_has_the_published_parameter_count_and_survives_config_json(string name)
    {
        var shape = ModelShapes.Named(name).Single();
        // Parameters allocated but never written: the count costs no resident memory.
        using (var model = new CausalLanguageModel(shape.Config, ScalarType.BFloat16))
            Assert.Equal(shape.PublishedParameterCount, model.ParameterCount);
        var reread = TransformerConfig.FromJson(shape.Config.ToJson(), "config.json");
        var c = shape.Config;
        Assert.Equal((c.ModelType, c.VocabularySize, c.HiddenSize, c.LayerCount, c.HeadCount, c.KeyValueHeadCount, c.IntermediateSize, c.MaxPositions),
            (reread.ModelType, reread.VocabularySize, reread.HiddenSize, reread.LayerCount, reread.HeadCount, reread.KeyValueHeadCount, reread.IntermediateSize, reread.MaxPositions));
        Assert.Equal((c.HeadDimension, c.NormEpsilon, c.RopeTheta, c.RopeScaling, c.QkvBias, c.BosTokenId), (reread.HeadDimension, reread.NormEpsilon, reread.RopeTheta, reread.RopeScaling, reread.QkvBias, reread.BosTokenId));
        Assert.Equal(c.EosTokenIds, reread.EosTokenIds);
        Assert.True(reread.TieWordEmbeddings);
    }

    [Fact]
    public void Synthetic_tokenizer_of_qwen_has_the_published_special_ids_below_the_padded_vocabulary()
    {
        var directory = Directory.CreateTempSubdirectory("twinforge-sizes-tokenizer-");
        try
        {
            SyntheticTokenizer.Write(ModelShapes.Qwen25HalfBillion, directory.FullName);
            var tokenizer = TokenizerLoader.Load(directory.FullName);
            Assert.Equal(151646, tokenizer.VocabularySize); // 151,643 regular tokens and 3 special; 151,936 in the model
            Assert.Equal(151643, tokenizer.TokenToId("<|endoftext|>"));
            Assert.Equal(151645, tokenizer.TokenToId("<|im_end|>"));
            var ids = tokenizer.Encode("hello, twin");
            Assert.Equal("hello, twin", tokenizer.Decode(ids));
            Assert.True(ids.Count < "hello, twin".Length, "the merges should join bytes");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Scaled_copies_of_every_shape_load_lora_train_and_generate_through_the_command()
    {
        var cache = Directory.CreateTempSubdirectory("twinforge-sizes-scaled-");
        try
        {
            var plan = new SizesPlan { Scaled = true, BatchSize = 2, SequenceLength = 32, WarmupSteps = 1, TimedSteps = 1, NewTokens = 4, PromptTokens = 8 };
            var report = SizesBenchmark.Measure(plan, plan.Shapes("all"), cache.FullName, inProcess: true, TextWriter.Null);

            Assert.Equal(["smollm2-360m-scaled", "qwen2.5-0.5b-scaled", "llama-3.2-1b-scaled"], report.Shapes.Select(m => m.Shape));
            foreach (var m in report.Shapes)
            {
                var shape = plan.Shapes("all").Single(s => s.Name == m.Shape);
                using (var loaded = PretrainedModel.Load(Path.Combine(cache.FullName, m.Shape), ScalarType.BFloat16))
                {
                    Assert.Equal(shape.Config.KeyValueHeadCount, loaded.Config.KeyValueHeadCount);
                    Assert.Equal(shape.Config.RopeScaling, loaded.Config.RopeScaling);
                    Assert.Equal(shape.FirstSpecialId, loaded.Tokenizer.TokenToId(shape.SpecialTokens[0]));
                }
                Assert.Equal(["bf16", "fp32"], m.ParameterBytesByDType.Keys.Order());
                Assert.Equal(m.TrainableParameterCount * 4, m.ParameterBytesByDType["fp32"]); // adapters only
                Assert.True(m.LoraTokensPerSecond > 0 && m.PromptTokensPerSecond > 0 && m.GenerationTokensPerSecond > 0, m.Shape);
                Assert.True(double.IsFinite(m.FirstLoss) && double.IsFinite(m.LastLoss), m.Shape);
                Assert.True(m.ModelFlopUtilization > 0, m.Shape);
                Assert.True(m.PeakResidentBytes > 0 && m.LoadSeconds > 0, m.Shape);
                Assert.False(string.IsNullOrEmpty(m.Reply), m.Shape);
            }
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Lora_on_the_qwen_half_billion_shape_peaks_under_6_GB()
    {
        var measured = MeasureInChild("qwen2.5-0.5b", sequenceLength: 64);
        Assert.True(measured.PeakResidentBytes < 6_000_000_000, $"peak RSS {measured.PeakResidentBytes / 1e9:F2} GB");
        Assert.True(double.IsFinite(measured.LastLoss));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Twin_of_the_llama_1b_shape_trains_and_generates_end_to_end_under_12_GB()
    {
        var measured = MeasureInChild("llama-3.2-1b", sequenceLength: 32);
        Assert.Equal(1_235_814_400 + measured.TrainableParameterCount, measured.ParameterCount);
        Assert.True(measured.PeakResidentBytes < 12_000_000_000, $"peak RSS {measured.PeakResidentBytes / 1e9:F2} GB");
        Assert.True(double.IsFinite(measured.LastLoss));
        Assert.False(string.IsNullOrEmpty(measured.Reply));
    }

    /// <summary>One published shape written to a temporary cache, then loaded, trained for two updates at batch 1 and decoded in a child process.</summary>
    static SizesMeasurement MeasureInChild(string shapeName, int sequenceLength)
    {
        var cache = Directory.CreateTempSubdirectory("twinforge-sizes-slow-");
        try
        {
            var plan = new SizesPlan { BatchSize = 1, SequenceLength = sequenceLength, WarmupSteps = 1, TimedSteps = 1, NewTokens = 4, PromptTokens = 16 };
            return Assert.Single(SizesBenchmark.Measure(plan, plan.Shapes(shapeName), cache.FullName, inProcess: false, TextWriter.Null).Shapes);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
