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
    /// </summary>
    public Dataset Register(long creatorId, IReadOnlyList<string> files, string scope = ConsentScopes.Text)
    {
        var creator = registry.GetCreator(creatorId);
        if (!registry.HasValidConsent(creatorId, scope))
            throw new RegistryException($"creator '{creator.Name}' has no valid '{scope}' consent: record it before adding their data");
        foreach (var file in files)
            if (!File.Exists(file)) throw new InputFileException(file, "the data file does not exist");
        var fingerprint = DatasetContentHash.Compute(files);
        if (registry.FindDatasetByHash(fingerprint.ContentHash) is { } existing && existing.CreatorId == creatorId) return existing;

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
            return registry.RegisterDataset(new NewDataset(creatorId, fingerprint.ContentHash, scope, fingerprint.SourceFiles, statistics)
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
    public IReadOnlyList<string> Examples(Dataset dataset, string scratchDirectory)
    {
        var hash = dataset.StoredArtifactHash
            ?? throw new InvalidOperationException($"dataset {dataset.Id} has no stored copy, so it cannot be trained on again");
        var directory = Path.Combine(scratchDirectory, "dataset-" + dataset.Id);
        new RecordedArtifacts(registry, store).ExtractDirectory(hash, directory);
        return Directory.GetFiles(directory).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines).Where(line => line.Trim().Length > 0).ToList();
    }
}
