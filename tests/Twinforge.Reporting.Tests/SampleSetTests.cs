using Twinforge.Engine;

namespace Twinforge.Reporting.Tests;

public class SampleSetTests
{
    [Fact]
    public void Saved_samples_load_back_with_labels_in_order()
    {
        using var run = new SyntheticRun();
        var samples = new SampleSet([
            new Sample("one", new Dictionary<string, string> { ["base"] = "a", ["twin"] = "b" }),
            new Sample("two", new Dictionary<string, string> { ["twin"] = "c", ["merged"] = "d" }),
        ]);

        samples.Save(run.Path);
        var loaded = SampleSet.Load(run.Path)!;

        Assert.Equal(["base", "twin", "merged"], loaded.ModelLabels);
        Assert.Equal("two", loaded.Samples[1].Prompt);
        Assert.Equal("d", loaded.Samples[1].Outputs["merged"]);
        Assert.Contains("\"outputs\"", run.Read("samples.json"));
    }

    [Fact]
    public void No_samples_file_loads_as_null()
    {
        using var run = new SyntheticRun();
        Assert.Null(SampleSet.Load(run.Path));
    }

    [Fact]
    public void A_sample_without_outputs_is_an_input_file_error()
    {
        using var run = new SyntheticRun();
        run.WriteFile("samples.json", """[{"prompt": "hi"}]""");

        var error = Assert.Throws<InputFileException>(() => SampleSet.Load(run.Path));

        Assert.Equal("[0]", error.Item);
    }
}
