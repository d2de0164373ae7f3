using Twinforge.Cli.BuiltIn.Voice;

namespace Twinforge.Cli.Tests.BuiltIn.Voice;

public sealed class BuiltInVoiceFoundationTests
{
    [Fact]
    public void A_new_foundation_removes_those_of_earlier_architectures_and_nothing_else()
    {
        using var directory = new TemporaryDirectory();
        string[] earlier = ["foundation-model", "foundation-model-v2"], kept = ["foundation-model-v3", "foundation", "creators", "foundation-model-v3.incomplete", "foundation-models-mine"];
        foreach (var name in earlier.Concat(kept))
        {
            Directory.CreateDirectory(Path.Combine(directory.Path, name));
            File.WriteAllText(Path.Combine(directory.Path, name, "model.safetensors"), "weights");
        }
        var said = new List<string>();

        BuiltInVoiceFoundation.RemoveEarlierArchitectures(directory.Path, Path.Combine(directory.Path, "foundation-model-v3"), said.Add);

        Assert.All(earlier, name => Assert.False(Directory.Exists(Path.Combine(directory.Path, name)), name));
        Assert.All(kept, name => Assert.True(File.Exists(Path.Combine(directory.Path, name, "model.safetensors")), name));
        Assert.Equal(2, said.Count);
        Assert.All(said, line => Assert.Contains("earlier architecture", line));
    }
}
