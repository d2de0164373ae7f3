using Twinforge.Engine;
using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// Where each line of the files a version trains on came from. Training reads scratch files that split and mix the
/// datasets' examples (train, held-out, replay), so the engine reports a problem by a scratch path and line; this
/// translates it back to the dataset's source file and line, which is what the user wrote and can fix.
/// </summary>
sealed class ExampleOrigins
{
    readonly Dictionary<string, DatasetExample> byText = new(StringComparer.Ordinal);
    readonly Dictionary<string, (IReadOnlyList<DatasetExample?> Lines, IReadOnlyList<Dataset> Datasets)> files = new(StringComparer.Ordinal);

    /// <summary>Remembers where the examples came from and returns their text.</summary>
    public IReadOnlyList<string> Learn(IReadOnlyList<DatasetExample> examples)
    {
        // Identical lines are one example to the held-out split; the first occurrence names them.
        foreach (var example in examples) byText.TryAdd(example.Text, example);
        return examples.Select(example => example.Text).ToList();
    }

    /// <summary>Writes a scratch file of examples (one per line) drawn from <paramref name="datasets"/>.</summary>
    public string Write(string path, IReadOnlyList<string> lines, IReadOnlyList<Dataset> datasets)
    {
        AtomicFile.WriteAllText(path, string.Concat(lines.Select(line => line + "\n")));
        files[Path.GetFullPath(path)] = ([.. lines.Select(line => byText.GetValueOrDefault(line))], datasets);
        return path;
    }

    public bool Knows(string path) => files.ContainsKey(Path.GetFullPath(path));

    /// <summary>
    /// The same problem, located in the user's file: at the source line for a problem of one line, or naming the
    /// source files the scratch file was drawn from for a problem of the whole file.
    /// </summary>
    public InputFileException Translate(InputFileException error)
    {
        var (lines, datasets) = files[Path.GetFullPath(error.FilePath)];
        if (error.Line is long line && line >= 1 && line <= lines.Count && lines[(int)line - 1] is { } origin)
            return new InputFileException(origin.SourceFile, error.Problem, error.Item, origin.Line, error);
        var sources = string.Join(", ", datasets.SelectMany(dataset => dataset.SourceFiles).Distinct());
        return new InputFileException(sources, error.Problem, error.Item, line: null, error);
    }
}
