using Twinforge.Engine.Training;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Twinforge.Recipes;

/// <summary>
/// Saves the effective recipe (after overrides) as YAML, the run's record of how it was made. Every key is written,
/// defaults included, with absolute paths, so the file reproduces the run wherever it is loaded from.
/// </summary>
/// <example><code>RecipeWriter.Write(recipe, Path.Combine(runDirectory, "recipe.yaml"));</code></example>
public static class RecipeWriter
{
    /// <summary>The name of the effective recipe in a run directory.</summary>
    public const string FileName = "recipe.yaml";

    const string Header = "# The effective recipe of this run, after command-line overrides; written by twinforge.\n";

    /// <summary>
    /// Whether the file at <paramref name="path"/> is a recipe this writer wrote (it starts with the header), not one a
    /// user keeps beside their data: only the former marks a run directory.
    /// </summary>
    public static bool WroteFile(string path)
    {
        if (!File.Exists(path)) return false;
        using var reader = new StreamReader(path);
        var buffer = new char[Header.Length];
        return reader.ReadBlock(buffer, 0, buffer.Length) == Header.Length && new string(buffer) == Header;
    }

    /// <summary>Writes atomically: a reader sees the old file or the complete new one.</summary>
    public static void Write(Recipe recipe, string path) => AtomicFile.WriteAllText(path, ToYaml(recipe));

    public static string ToYaml(Recipe recipe) => ToYaml(recipe, RecipeKeys.All, Header);

    /// <summary>
    /// The settings of <paramref name="options"/> alone, in recipe.yaml's keys: no base, data, output or other paths.
    /// How a twin records the way its versions train (paths there are per run); <see cref="RecipeLoader.ParseSettings"/>
    /// reads it back.
    /// </summary>
    public static string SettingsToYaml(FineTuningOptions options, string header) =>
        ToYaml(new Recipe { Options = options }, RecipeKeys.All.Where(key => !key.IsPath), header);

    static string ToYaml(Recipe recipe, IEnumerable<RecipeKey> keys, string header)
    {
        var text = new StringWriter();
        text.Write(header);
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        emitter.Emit(new MappingStart());
        // The table lists top-level keys first and each section's keys together.
        foreach (var group in keys.GroupBy(key => key.Section))
        {
            if (group.Key is { } section)
            {
                emitter.Emit(new Scalar(section));
                emitter.Emit(new MappingStart());
            }
            foreach (var key in group)
            {
                emitter.Emit(new Scalar(key.Name));
                Emit(emitter, key.Write(recipe));
            }
            if (group.Key is not null) emitter.Emit(new MappingEnd());
        }
        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    static void Emit(IEmitter emitter, RecipeNode node)
    {
        switch (node)
        {
            case RecipeScalar scalar:
                var style = scalar.IsQuoted ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain;
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, scalar.Text, style, isPlainImplicit: true, isQuotedImplicit: true));
                break;
            case RecipeSequence sequence:
                var sequenceStyle = sequence.Items.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block;
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, sequenceStyle));
                foreach (var item in sequence.Items) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            default:
                throw new InvalidOperationException("recipe values are scalars or lists");
        }
    }
}
