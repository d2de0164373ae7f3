using Twinforge.Engine.Training;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Service.Jobs;

/// <summary>
/// The settings a job's new twin starts from, by its base model: the engine's twin defaults
/// (<see cref="TwinRecipe.DefaultOptions"/>) unless the host names others for the base's directory. The command line
/// names the built-in bases' (the demo twin's settings, which `twinforge twin create --base builtin` uses), so a job on
/// the built-in base trains as that command does; <c>learning_rate_multiplier</c> scales the base's own default rate.
/// </summary>
public sealed class BaseTwinDefaults(IReadOnlyDictionary<string, FineTuningOptions> byDirectory)
{
    /// <summary>The engine's defaults for every base.</summary>
    public static BaseTwinDefaults None { get; } = new(new Dictionary<string, FineTuningOptions>());

    readonly Dictionary<string, FineTuningOptions> byDirectory =
        byDirectory.ToDictionary(pair => Normalise(pair.Key), pair => pair.Value, StringComparer.Ordinal);

    /// <summary>The defaults of a twin on <paramref name="baseModel"/>.</summary>
    public FineTuningOptions For(BaseModel baseModel) =>
        baseModel.Path is { } path && byDirectory.TryGetValue(Normalise(path), out var options) ? options : TwinRecipe.DefaultOptions;

    static string Normalise(string directory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
}
