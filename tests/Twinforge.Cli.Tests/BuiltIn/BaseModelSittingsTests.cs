using System.Text.Json.Nodes;
using Twinforge.Cli.BuiltIn;

namespace Twinforge.Cli.Tests.BuiltIn;

/// <summary>
/// Which base a sitting continues and the commands use: the one trained in the most sittings, of the cache's finished
/// sittings, its pre-training and the shipped base; an unfinished sitting is never taken.
/// </summary>
public sealed class BaseModelSittingsTests
{
    static readonly BuiltInModelSize Size = BuiltInModelSize.Tiny;

    static void FinishedRun(string runDirectory)
    {
        Directory.CreateDirectory(Path.Combine(runDirectory, "model"));
        File.WriteAllText(Path.Combine(runDirectory, "model", "config.json"), "{}");
        File.WriteAllText(Path.Combine(runDirectory, "run.json"), "{}");
    }

    static void Shipped(string root, int? sittings)
    {
        var directory = ShippedBaseModel.DirectoryFor(Size, root);
        Directory.CreateDirectory(directory);
        var marker = new JsonObject { ["size"] = Size.Name, ["cache_key"] = Size.CacheKey };
        if (sittings is int n) marker["sittings"] = n;
        File.WriteAllText(Path.Combine(directory, ShippedBaseModel.MarkerFileName), marker.ToJsonString());
    }

    [Fact]
    public void The_base_with_the_most_sittings_is_current_and_an_unfinished_sitting_never_is()
    {
        using var directory = new TemporaryDirectory();
        var cache = directory.File("cache");
        var shippedRoot = directory.File("app");
        Assert.Null(BaseModelSittings.Current(cache, Size, shippedRoot));

        Shipped(shippedRoot, sittings: null); // a marker from before sittings: one
        Assert.Equal((ShippedBaseModel.DirectoryFor(Size, shippedRoot), 1), BaseModelSittings.Current(cache, Size, shippedRoot));

        FinishedRun(BuiltInBaseModel.RunDirectory(cache, Size)); // the cache's own pre-training wins a tie
        Assert.Equal((Path.Combine(BuiltInBaseModel.RunDirectory(cache, Size), "model"), 1), BaseModelSittings.Current(cache, Size, shippedRoot));

        Shipped(shippedRoot, sittings: 3);
        Assert.Equal((ShippedBaseModel.DirectoryFor(Size, shippedRoot), 3), BaseModelSittings.Current(cache, Size, shippedRoot));

        Directory.CreateDirectory(Path.Combine(BaseModelSittings.Directory(cache, Size, 4), "checkpoints")); // under way
        Assert.Equal(3, BaseModelSittings.Current(cache, Size, shippedRoot)!.Value.Number);
        Assert.Null(BaseModelSittings.Latest(cache, Size));

        FinishedRun(BaseModelSittings.Directory(cache, Size, 4));
        Assert.Equal((Path.Combine(BaseModelSittings.Directory(cache, Size, 4), "model"), 4), BaseModelSittings.Current(cache, Size, shippedRoot));
        FinishedRun(BaseModelSittings.Directory(cache, Size, 10)); // numbers, not names: 10 is after 4
        Assert.Equal(10, BaseModelSittings.Latest(cache, Size)!.Value.Number);
    }
}
