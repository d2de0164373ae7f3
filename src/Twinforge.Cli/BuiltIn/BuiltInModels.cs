using Twinforge.Cli.Progress;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// The built-in base model as the commands use it: the one shipped with the project for this size if there is one
/// (<see cref="ShippedBaseModel"/>) unless a later sitting of its pre-training was run here (<see cref="BaseModelSittings"/>),
/// else reused from the cache, else built showing progress.
/// </summary>
public static class BuiltInModels
{
    public static string EnsureBase(string cacheRoot, BuiltInModelSize size, TrainingDisplay display, CancellationToken cancellationToken)
    {
        if (Find(cacheRoot, size) is string found) return found;
        display.Output.WriteLine($"Building the built-in base model ({size.Name}) in {BuiltInBaseModel.RunDirectory(cacheRoot, size)}: " +
                                 (size.ByteLevel
                                     ? "fetching the general-English corpus from Debian's fortunes packages and pre-training from scratch."
                                     : "building the English corpus from Debian packages, learning its tokenizer and pre-training from scratch " +
                                       "(hours on 2 cores; an interrupted run resumes where it stopped)."));
        return display.Run($"pre-training base ({size.Name})",
            onEvent => BuiltInBaseModel.Ensure(cacheRoot, size, onEvent, cancellationToken));
    }

    /// <summary>The base <see cref="EnsureBase"/> would use, without building one: null when it would have to.</summary>
    public static string? Find(string cacheRoot, BuiltInModelSize size)
    {
        var shipped = ShippedBaseModel.Find(size);
        // A sitting of pre-training run here (pretrain --continue) trains the base beyond the shipped one.
        if (BaseModelSittings.Latest(cacheRoot, size) is { } sitting && sitting.Number > (shipped is null ? 0 : ShippedBaseModel.Sittings(shipped)))
            return sitting.Model;
        return shipped ?? BuiltInBaseModel.Existing(cacheRoot, size);
    }
}
