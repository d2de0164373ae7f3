using System.Text.Json.Nodes;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Tests.Models;

public sealed class TransformerConfigTests
{
    static TransformerConfig Parse(string json) => TransformerConfig.FromJson((JsonObject)JsonNode.Parse(json)!, "dir/config.json");

    [Fact]
    public void Reads_a_gpt2_config()
    {
        var config = Parse("""
            {"model_type": "gpt2", "vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024,
             "n_inner": null, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-05, "bos_token_id": 50256,
             "eos_token_id": 50256, "architectures": ["GPT2LMHeadModel"], "summary_type": "cls_index"}
            """);
        Assert.Equal(ModelFamily.Gpt2, config.Family);
        Assert.Equal(3072, config.IntermediateSize);
        Assert.Equal(64, config.HeadDimension);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal([50256], config.EosTokenIds);
        Assert.Equal("cls_index", config.ToJson()["summary_type"]!.GetValue<string>()); // unknown keys kept
    }

    [Fact]
    public void Reads_a_llama3_config_with_several_eos_ids_and_rope_scaling()
    {
        var config = Parse("""
            {"model_type": "llama", "vocab_size": 128256, "hidden_size": 2048, "num_hidden_layers": 16,
             "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 8192, "head_dim": 64,
             "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}
            """);
        Assert.Equal(8, config.KeyValueHeadCount);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal("llama3", config.RopeScaling!.Type);
        Assert.Equal(32.0, config.RopeScaling.Factor);
        Assert.False(config.QkvBias);
    }

    [Fact]
    public void Qwen2_has_qkv_bias_but_no_output_bias()
    {
        var config = Parse("""
            {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "num_hidden_layers": 24,
             "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864, "tie_word_embeddings": true}
            """);
        Assert.True(config.QkvBias);
        Assert.False(config.OutputProjectionBias);
    }

    [Theory]
    [InlineData("""{"vocab_size": 10}""", "model_type", "required field is missing")]
    [InlineData("""{"model_type": "bert", "vocab_size": 10}""", "model_type", "unsupported model_type 'bert'")]
    [InlineData("""{"model_type": "gpt2", "vocab_size": "many", "n_embd": 8, "n_layer": 1, "n_head": 2, "n_positions": 8}""", "vocab_size", "expected an integer")]
    [InlineData("""{"model_type": "gpt2", "vocab_size": 10, "n_layer": 1, "n_head": 2, "n_positions": 8}""", "n_embd", "required field is missing")]
    [InlineData("""{"model_type": "gpt2", "vocab_size": 10, "n_embd": 9, "n_layer": 1, "n_head": 2, "n_positions": 8}""", "n_embd", "not divisible")]
    [InlineData("""{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3, "intermediate_size": 8}""", "num_key_value_heads", "not a multiple")]
    [InlineData("""{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "rope_scaling": {"rope_type": "yarn", "factor": 4}}""", "rope_scaling", "unsupported rope scaling")]
    [InlineData("""{"model_type": "gpt2", "vocab_size": 10, "n_embd": 8, "n_layer": 1, "n_head": 2, "n_positions": 8, "eos_token_id": 12}""", "eos_token_id", "outside the vocabulary")]
    public void Bad_fields_are_named(string json, string field, string problem)
    {
        var error = Assert.Throws<InputFileException>(() => Parse(json));
        Assert.Equal("dir/config.json", error.FilePath);
        Assert.Equal(field, error.Item);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Malformed_json_names_the_file_and_line()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("config.json"), "{\n  \"model_type\": \"gpt2\",\n  \"vocab_size\": 10,,\n}");
        var error = Assert.Throws<InputFileException>(() => TransformerConfig.Load(directory.File("config.json")));
        Assert.Equal(directory.File("config.json"), error.FilePath);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Json_round_trip_keeps_every_field()
    {
        foreach (var name in new[] { "gpt2", "llama", "llama-tied", "qwen2" })
        {
            var config = TinyModels.ByName(name) with { EosTokenIds = [1, 2], BosTokenId = 0 };
            var again = TransformerConfig.FromJson(config.ToJson(), "x");
            Assert.True(JsonNode.DeepEquals(config.ToJson(), again.ToJson()), name);
        }
    }
}
