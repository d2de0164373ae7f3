using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Twinforge.Cli.BuiltIn;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;
using static TorchSharp.torch;

namespace Twinforge.Cli.Tests.BuiltIn;

/// <summary>
/// A base shipped with the project: published from a pre-trained model as bf16 weights with a marker of its size, cache
/// key and file hashes; found only for the size and cache key it was made for; its weights those of the model.
/// </summary>
[Collection("Torch")]
public sealed class ShippedBaseModelTests
{
    [Fact]
    public void A_published_base_is_found_for_its_size_in_bfloat16_with_hashes_of_its_files_and_not_for_another_key()
    {
        var root = Directory.CreateTempSubdirectory("twinforge-shipped-");
        try
        {
            var size = BuiltInModelSize.Tiny;
            var trained = Path.Combine(root.FullName, "trained");
            using (var model = new PretrainedModel(new CausalLanguageModel(size.Config), new ByteLevelTokenizer()))
            {
                model.Network.InitializeWeights(seed: 4);
                model.Save(trained);
            }
            var shippedRoot = Path.Combine(root.FullName, "app");
            Assert.Null(ShippedBaseModel.Find(size, shippedRoot));

            var marker = JsonNode.Parse(ShippedBaseModel.Publish(trained, size, ShippedBaseModel.DirectoryFor(size, shippedRoot)))!;

            var found = ShippedBaseModel.Find(size, shippedRoot);
            Assert.Equal(ShippedBaseModel.DirectoryFor(size, shippedRoot), found);
            Assert.Equal(size.CacheKey, marker["cache_key"]!.GetValue<string>());
            var hashes = marker["sha256"]!.AsObject();
            Assert.Contains("model.safetensors", hashes.Select(entry => entry.Key));
            foreach (var (file, hash) in hashes)
                Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(found!, file)))).ToLowerInvariant(), hash!.GetValue<string>());

            using var original = PretrainedModel.Load(trained);
            using var shipped = PretrainedModel.Load(found!, ScalarType.Float32);
            using var noGrad = no_grad();
            foreach (var ((name, expected), (_, actual)) in original.Network.named_parameters().Zip(shipped.Network.named_parameters()))
            {
                using var rounded = expected.to(ScalarType.BFloat16).to(ScalarType.Float32);
                Assert.True(rounded.allclose(actual, rtol: 0, atol: 0), $"{name} is not the bf16 rounding of the trained weight");
            }
            // A shipped model for another shape or budget is never taken for this one.
            Assert.Null(ShippedBaseModel.Find(size with { Steps = size.Steps + 1 }, shippedRoot));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_default_size_is_english_only_while_its_weights_ship_for_its_current_recipe()
    {
        var root = Directory.CreateTempSubdirectory("twinforge-default-size-");
        try
        {
            Assert.Equal(BuiltInModelSize.Standard, BuiltInModelSize.Default(root.FullName));
            var directory = ShippedBaseModel.DirectoryFor(BuiltInModelSize.English, root.FullName);
            Directory.CreateDirectory(directory);
            var marker = Path.Combine(directory, ShippedBaseModel.MarkerFileName);
            File.WriteAllText(marker, new JsonObject { ["size"] = "english", ["cache_key"] = "english-00000000" }.ToJsonString());
            Assert.Equal(BuiltInModelSize.Standard, BuiltInModelSize.Default(root.FullName)); // weights of an older recipe
            File.WriteAllText(marker, new JsonObject { ["size"] = "english", ["cache_key"] = BuiltInModelSize.English.CacheKey }.ToJsonString());
            Assert.Equal(BuiltInModelSize.English, BuiltInModelSize.Default(root.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
