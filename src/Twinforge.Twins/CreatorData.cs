using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Registry;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Datasets;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Twins;

/// <summary>
/// A creator's data files as registry datasets: content-addressed, stored (normalised) in the artifact store so that
/// later versions can replay them and any version can be rebuilt, and unpacked again, verified, when training needs them.
/// </summary>
public sealed class CreatorData(ITwinRegistry registry, IArtifactStore store)
{
    /// <summary>
    /// Registers the files as one dataset of the creator (or returns the one with the same content). Refused, before
    /// anything is stored, when the creator has no valid consent for <paramref name="scope"/>.
    /// <paramref name="sourceNames"/> are the file names to record, by position, when the paths are not what the
    /// creator called them (an upload saved to a temporary file); by default each path's file name.
    /// </summary>
    public Dataset Register(long creatorId, IReadOnlyList<string> files, string scope = ConsentScopes.Text, IReadOnlyList<string>? sourceNames = null)
    {
        if (sourceNames is not null && sourceNames.Count != files.Count)
            throw new ArgumentException($"{sourceNames.Count} source names for {files.Count} files", nameof(sourceNames));
        var creator = registry.GetCreator(creatorId);
        if (!registry.HasValidConsent(creatorId, scope))
            throw new RegistryException($"creator '{creator.Name}' has no valid '{scope}' consent: record it before adding their data");
        foreach (var file in files)
            if (!File.Exists(file)) throw new InputFileException(file, "the data file does not exist");
        var fingerprint = DatasetContentHash.Compute(files);
        if (registry.FindDatasetByHash(creatorId, fingerprint.ContentHash) is { } existing) return existing;

        var staging = Directory.CreateTempSubdirectory("twinforge-dataset-").FullName;
        try
        {
            // Normalised copies named by position, so two files of the same name in different folders both survive.
            for (int i = 0; i < files.Count; i++)
                File.WriteAllBytes(Path.Combine(staging, $"{i:D3}-{Path.GetFileName(files[i])}"),
                    DatasetContentHash.Normalise(File.ReadAllBytes(files[i]), files[i]));
            var stored = store.PutDirectory(staging);
            var examples = files.Sum(file => File.ReadLines(file).Count(line => line.Trim().Length > 0));
            var statistics = JsonSerializer.Serialize(new { examples, bytes = fingerprint.NormalisedBytes, lines = fingerprint.Lines, files = files.Count });
            return registry.RegisterDataset(new NewDataset(creatorId, fingerprint.ContentHash, scope, sourceNames ?? fingerprint.SourceFiles, statistics)
            {
                StoredArtifactHash = stored,
            });
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The dataset's examples (non-blank lines, files in order), read from its verified stored copy.</summary>
    public IReadOnlyList<string> Examples(Dataset dataset, string scratchDirectory) =>
        SourcedExamples(dataset, scratchDirectory).Select(example => example.Text).ToList();

    /// <summary>
    /// The dataset's examples with the source file and line each was written on. The stored copy keeps every line
    /// (normalising changes only line endings and a byte-order mark), so line numbers are the user's.
    /// </summary>
    public IReadOnlyList<DatasetExample> SourcedExamples(Dataset dataset, string scratchDirectory)
    {
        var hash = dataset.StoredArtifactHash
            ?? throw new InvalidOperationException($"dataset {dataset.Id} has no stored copy, so it cannot be trained on again");
        var directory = Path.Combine(scratchDirectory, "dataset-" + dataset.Id);
        new RecordedArtifacts(registry, store).ExtractDirectory(hash, directory);
        var examples = new List<DatasetExample>();
        foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            var source = SourceName(dataset, Path.GetFileName(file));
            long line = 0;
            foreach (var text in File.ReadLines(file))
            {
                line++;
                if (text.Trim().Length > 0) examples.Add(new DatasetExample(text, source, line));
            }
        }
        return examples;
    }

    /// <summary>A stored file is named "{position:D3}-{name}" (see <see cref="Register"/>): the position names the source file.</summary>
    static string SourceName(Dataset dataset, string storedName) =>
        storedName.Length > 4 && storedName[3] == '-' && int.TryParse(storedName.AsSpan(0, 3), out var position) && position < dataset.SourceFiles.Count
            ? dataset.SourceFiles[position]
            : storedName;
}
