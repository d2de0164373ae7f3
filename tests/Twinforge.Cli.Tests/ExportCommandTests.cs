using Twinforge.Cli.Commands;
using Twinforge.Engine;
using Twinforge.Engine.Gguf;
using Twinforge.Engine.Lora;
using static Twinforge.Cli.Tests.CliTesting;
using static TorchSharp.torch;

namespace Twinforge.Cli.Tests;

[Collection("Torch")]
public sealed class ExportCommandTests : IDisposable
{
    readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    /// <summary>The tiny base and a PEFT adapter for it whose B factors are non-zero, so merging changes the weights.</summary>
    (string Base, string Adapter) BaseAndAdapter()
    {
        var basePath = TinyModel(directory.File("base"));
        using var model = PretrainedModel.Load(basePath);
        var adapters = LoraInjector.Apply(model.Network, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["v_proj"] }, seed: 1);
        using (no_grad())
        {
            using var generator = new Generator(9);
            foreach (var module in adapters.Modules) module.Adapter.B.copy_(randn(module.Adapter.B.shape, generator: generator));
        }
        PeftAdapter.Save(adapters, directory.File("adapter"));
        return (basePath, directory.File("adapter"));
    }

    static float[] Values(PretrainedModel model, string parameterName) =>
        model.Network.named_parameters().Single(entry => entry.name == parameterName).parameter.detach().contiguous().data<float>().ToArray();

    [Fact]
    public void Gguf_export_writes_the_merged_model_and_a_Modelfile()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var output = directory.File("alice-gguf");

        var export = Run("export", "--format", "gguf", "--model", basePath, "--adapter", adapterPath, "--output", output);

        Assert.True(export.ExitCode == ExitCodes.Success, export.Error);
        Assert.Equal([ExportCommand.ModelFileName, OllamaModelfile.FileName], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        var file = GgufFile.Read(Path.Combine(output, ExportCommand.ModelFileName));
        Assert.Equal("llama", file.Metadata["general.architecture"].AsString());
        Assert.Equal("alice-gguf", file.Metadata["general.name"].AsString());
        Assert.Equal(0, file.Metadata["general.file_type"].AsInteger());
        using var merged = PretrainedModel.Load(basePath);
        PeftAdapter.Load(merged.Network, adapterPath);
        LoraMerger.Merge(merged.Network);
        Assert.Equal(Values(merged, "model.layers.1.self_attn.v_proj.weight"), file.ReadTensor("blk.1.attn_v.weight"));
        var modelfile = File.ReadAllText(Path.Combine(output, OllamaModelfile.FileName));
        Assert.Contains("FROM ./model.gguf\n", modelfile);
        Assert.Contains("PARAMETER stop \"<|im_end|>\"", modelfile);
    }

    [Fact]
    public void Adapter_only_writes_the_unmerged_base_the_adapter_and_a_Modelfile_naming_both()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var output = directory.File("adapter-gguf");

        var export = Run("export", "--format", "gguf", "--gguf-type", "q8_0", "--adapter-only",
            "--model", basePath, "--adapter", adapterPath, "--output", output);

        Assert.True(export.ExitCode == ExitCodes.Success, export.Error);
        var adapter = GgufFile.Read(Path.Combine(output, ExportCommand.AdapterFileName));
        Assert.Equal("adapter", adapter.Metadata["general.type"].AsString());
        Assert.Equal(4, adapter.Tensors.Count); // v_proj of two blocks, A and B
        var baseFile = GgufFile.Read(Path.Combine(output, ExportCommand.BaseFileName));
        Assert.Equal(7, baseFile.Metadata["general.file_type"].AsInteger());
        Assert.DoesNotContain(baseFile.Tensors, tensor => tensor.Name.Contains("lora"));
        using var original = PretrainedModel.Load(basePath);
        var expected = Values(original, "model.layers.0.self_attn.v_proj.weight");
        var written = baseFile.ReadTensor("blk.0.attn_v.weight"); // Q8_0: within half a step of each 32-value block
        Assert.True(expected.Zip(written).Max(pair => Math.Abs(pair.First - pair.Second)) <= expected.Max(Math.Abs) / 127);
        var modelfile = File.ReadAllText(Path.Combine(output, OllamaModelfile.FileName));
        Assert.Contains("FROM ./base.gguf\nADAPTER ./adapter.gguf\n", modelfile);
    }

    [Fact]
    public void Adapter_only_without_gguf_is_bad_input_naming_the_option()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var export = Run("export", "--adapter-only", "--model", basePath, "--adapter", adapterPath, "--output", directory.File("x"));
        Assert.Equal(ExitCodes.BadInput, export.ExitCode);
        Assert.StartsWith("error: --adapter-only:", export.Error);
        Assert.False(Directory.Exists(directory.File("x")));
    }

    [Fact]
    public void A_gguf_type_without_gguf_is_bad_input_naming_the_option()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var export = Run("export", "--gguf-type", "q8_0", "--model", basePath, "--adapter", adapterPath, "--output", directory.File("x"));
        Assert.Equal(ExitCodes.BadInput, export.ExitCode);
        Assert.StartsWith("error: --gguf-type:", export.Error);
        Assert.False(Directory.Exists(directory.File("x")));
    }

    /// <summary>An earlier export is replaced only with --force, and never while the user keeps files of their own beside it.</summary>
    [Fact]
    public void Exporting_again_replaces_an_earlier_export_only_with_force_and_never_a_users_files()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var output = directory.File("alice-gguf");
        Assert.Equal(ExitCodes.Success, Run("export", "--format", "gguf", "--model", basePath, "--adapter", adapterPath, "--output", output).ExitCode);

        var again = Run("export", "--format", "gguf", "--model", basePath, "--adapter", adapterPath, "--output", output);
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("add --force to replace it", again.Error);
        var forced = Run("export", "--format", "gguf", "--gguf-type", "q8_0", "--model", basePath, "--adapter", adapterPath, "--output", output, "--force");
        Assert.True(forced.ExitCode == ExitCodes.Success, forced.Error);
        Assert.Equal(7, GgufFile.Read(Path.Combine(output, ExportCommand.ModelFileName)).Metadata["general.file_type"].AsInteger()); // llama.cpp's MOSTLY_Q8_0: the new export

        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var besideNotes = Run("export", "--format", "gguf", "--model", basePath, "--adapter", adapterPath, "--output", output, "--force");
        Assert.Equal(ExitCodes.BadInput, besideNotes.ExitCode);
        Assert.Contains("files an export does not write (notes.txt)", besideNotes.Error);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    /// <summary>--output on the model or adapter being exported (or around them): refused even with --force, which deleted them.</summary>
    [Fact]
    public void An_export_never_replaces_the_model_or_adapter_it_reads()
    {
        var (basePath, adapterPath) = BaseAndAdapter();
        var before = Directory.GetFiles(basePath).Order().ToList();

        var ontoModel = Run("export", "--format", "gguf", "--model", basePath, "--output", basePath, "--force");
        var ontoAdapter = Run("export", "--format", "gguf", "--model", basePath, "--adapter", adapterPath, "--output", adapterPath, "--force");

        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput), (ontoModel.ExitCode, ontoAdapter.ExitCode));
        Assert.Contains($"--output: {basePath} would replace what the export reads ({basePath})", ontoModel.Error);
        Assert.Contains("would replace what the export reads", ontoAdapter.Error);
        Assert.Equal(before, Directory.GetFiles(basePath).Order().ToList());
        Assert.True(File.Exists(Path.Combine(adapterPath, "adapter_model.safetensors")));
    }
}
