namespace Twinforge.Registry.Artifacts;

/// <summary>
/// Content-addressed storage for the files a version produces (adapters, merged models, reports). An artifact is
/// named by the SHA-256 of its bytes; a directory is stored as its deterministic tar (<see cref="DirectoryArchive"/>),
/// so the same files give the same hash anywhere. Reads are verified: content that no longer matches its hash raises
/// <see cref="ArtifactCorruptedException"/> and is never returned. Implement this for a store shared by many machines.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores the stream's remaining bytes and returns their hash; storing existing content is a no-op.</summary>
    string Put(Stream content);

    /// <summary>Stores one file's bytes.</summary>
    string PutFile(string path);

    /// <summary>Stores a directory (e.g. config.json + *.safetensors) as its deterministic tar.</summary>
    string PutDirectory(string directory);

    /// <summary>Opens the artifact for reading after checking its content against its hash.</summary>
    /// <exception cref="ArtifactNotFoundException">No artifact has this hash.</exception>
    /// <exception cref="ArtifactCorruptedException">The stored bytes no longer match the hash.</exception>
    Stream OpenRead(string contentHash);

    /// <summary>
    /// Unpacks a directory artifact into <paramref name="destination"/>, which appears complete or not at all
    /// (an existing directory there is replaced). Verified like <see cref="OpenRead"/>.
    /// </summary>
    void ExtractDirectory(string contentHash, string destination);

    bool Exists(string contentHash);

    /// <summary>Removes the artifact; returns false if it was not there.</summary>
    bool Delete(string contentHash);

    IReadOnlyList<StoredArtifact> List();
}
