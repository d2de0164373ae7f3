using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Twinforge.Engine.Checkpoints;

/// <summary>
/// The safetensors weights of a directory, in one file (<c>model.safetensors</c>) or sharded the Hugging Face way
/// (<c>model-00001-of-00003.safetensors</c>… plus <c>model.safetensors.index.json</c>), read by tensor name as one
/// set. The base name is <c>model</c> for models and <c>adapter_model</c> for PEFT adapters. When both a single file
/// and an index exist, the single file wins, as in transformers.
/// </summary>
/// <example><code>
/// using var checkpoint = SafetensorsCheckpoint.Open(directory);
/// foreach (var name in checkpoint.TensorNames) checkpoint.ReadInto(name, parameters[name]);
/// </code></example>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string DefaultBaseName = "model";

    readonly IReadOnlyList<SafetensorsFile> files;
    readonly Dictionary<string, SafetensorsFile> fileByTensor;

    SafetensorsCheckpoint(string directory, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        DirectoryPath = directory;
        this.files = files;
        this.fileByTensor = fileByTensor;
        TensorNames = fileByTensor.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The checkpoint directory, as given to <see cref="Open"/>.</summary>
    public string DirectoryPath { get; }

    /// <summary>The weight files read: one, or every shard in name order.</summary>
    public IReadOnlyList<string> FilePaths => files.Select(file => file.Path).ToArray();

    /// <summary>Every tensor name across the files, sorted ordinally.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>The <c>__metadata__</c> of the first file (<see cref="Save"/> writes the same into every shard).</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        files.Count > 0 ? files[0].Metadata : new Dictionary<string, string>();

    public static string SingleFileName(string baseName = DefaultBaseName) => $"{baseName}.safetensors";

    public static string IndexFileName(string baseName = DefaultBaseName) => $"{baseName}.safetensors.index.json";

    /// <summary>Hugging Face shard naming, 1-based with five digits: <c>model-00002-of-00005.safetensors</c>.</summary>
    public static string ShardFileName(int shardNumber, int shardCount, string baseName = DefaultBaseName) =>
        $"{baseName}-{shardNumber:D5}-of-{shardCount:D5}.safetensors";

    /// <summary>True when <paramref name="directory"/> has a single weights file or a shard index for the base name.</summary>
    public static bool IsSafetensorsCheckpoint(string directory, string baseName = DefaultBaseName) =>
        File.Exists(Path.Combine(directory, SingleFileName(baseName))) ||
        File.Exists(Path.Combine(directory, IndexFileName(baseName)));

    /// <summary>
    /// Opens the checkpoint in <paramref name="directory"/>, validating every file's header and, for a sharded one,
    /// that the index is well-formed, every shard it names exists, every tensor it maps is in that shard, and no
    /// tensor is in two shards or in a shard without being listed. Each file is opened once.
    /// </summary>
    public static SafetensorsCheckpoint Open(string directory, string baseName = DefaultBaseName)
    {
        if (!Directory.Exists(directory))
            throw new InputFileException(directory, "checkpoint directory not found");

        var singlePath = Path.Combine(directory, SingleFileName(baseName));
        if (File.Exists(singlePath))
        {
            var file = SafetensorsFile.Open(singlePath);
            return new SafetensorsCheckpoint(directory, [file], file.TensorNames.ToDictionary(name => name, _ => file, StringComparer.Ordinal));
        }

        var indexPath = Path.Combine(directory, IndexFileName(baseName));
        if (!File.Exists(indexPath))
            throw new InputFileException(directory,
                $"no {SingleFileName(baseName)} or {IndexFileName(baseName)}: not a safetensors checkpoint");
        return OpenSharded(directory, indexPath);
    }

    static SafetensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        var weightMap = SafetensorsIndex.Load(indexPath).WeightMap;
        var shards = new SortedDictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var shardName in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
            {
                var shardPath = Path.Combine(directory, shardName);
                if (!File.Exists(shardPath))
                    throw new InputFileException(indexPath, $"the index names shard file {shardName}, which does not exist", shardName);
                shards[shardName] = SafetensorsFile.Open(shardPath);
            }

            var fileByTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (tensorName, shardName) in weightMap)
            {
                if (!shards[shardName].Contains(tensorName))
                    throw new InputFileException(indexPath, $"the index maps this tensor to {shardName}, which does not contain it", tensorName);
                fileByTensor[tensorName] = shards[shardName];
            }
            foreach (var (shardName, shard) in shards)
            foreach (var tensorName in shard.TensorNames)
            {
                if (!weightMap.TryGetValue(tensorName, out var mappedShard))
                    throw new InputFileException(indexPath, $"shard {shardName} holds this tensor but the index does not list it", tensorName);
                if (mappedShard != shardName)
                    throw new InputFileException(indexPath, $"the tensor is in two shards, {mappedShard} and {shardName}", tensorName);
            }
            return new SafetensorsCheckpoint(directory, shards.Values.ToArray(), fileByTensor);
        }
        catch
        {
            foreach (var shard in shards.Values) shard.Dispose();
            throw;
        }
    }

    /// <summary>True when the checkpoint holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => fileByTensor.ContainsKey(name);

    /// <summary>The dtype, shape and byte offsets (within its file) of one tensor.</summary>
    public SafetensorsTensorInfo GetInfo(string name) => FileOf(name).GetInfo(name);

    /// <summary>Reads a tensor into <paramref name="destination"/>; see <see cref="SafetensorsFile.ReadInto"/>.</summary>
    public void ReadInto(string name, Tensor destination) => FileOf(name).ReadInto(name, destination);

    /// <summary>Reads a tensor into a new CPU tensor of the file's dtype and shape.</summary>
    public Tensor ReadTensor(string name) => FileOf(name).ReadTensor(name);

    SafetensorsFile FileOf(string name) =>
        fileByTensor.TryGetValue(name, out var file)
            ? file
            : throw new InputFileException(DirectoryPath, "no tensor of this name in the checkpoint", name);

    /// <summary>Closes every file of the checkpoint.</summary>
    public void Dispose()
    {
        foreach (var file in files) file.Dispose();
    }

    /// <summary>
    /// Saves <paramref name="tensors"/> into <paramref name="directory"/>: one <c>{baseName}.safetensors</c> when
    /// their data fits in <paramref name="maxShardBytes"/>, else shards of at most that much data each (a larger
    /// tensor gets a shard of its own) plus the index. Tensors go in name order, so the same weights give the same
    /// files. Files of an earlier save with the same base name are removed once the new set is complete.
    /// </summary>
    /// <remarks>
    /// Crash safety: every file is written to a temporary name and flushed before any is renamed into place, and the
    /// index is written last. Until then the earlier checkpoint stays readable, with one exception: when new shards
    /// replace old ones of the same names, the old index is removed before the renames, so a crash in that instant
    /// leaves no index (detectably incomplete) rather than an old index over a mix of old and new shards.
    /// </remarks>
    public static void Save(string directory, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        long maxShardBytes = long.MaxValue, string baseName = DefaultBaseName,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        Directory.CreateDirectory(directory);
        var shards = PlanShards(SafetensorsWriter.Order(tensors), maxShardBytes);

        var singlePath = Path.Combine(directory, SingleFileName(baseName));
        var indexPath = Path.Combine(directory, IndexFileName(baseName));
        if (shards.Count == 1)
        {
            SafetensorsWriter.Write(singlePath, shards[0], metadata);
            // The new single file already takes precedence over an old index; now drop the old set.
            DeleteStaleFiles(directory, baseName, keep: [singlePath]);
            return;
        }

        var shardPaths = Enumerable.Range(1, shards.Count)
            .Select(number => Path.Combine(directory, ShardFileName(number, shards.Count, baseName)))
            .ToArray();
        var staged = new List<string>();
        try
        {
            for (var i = 0; i < shards.Count; i++)
                staged.Add(Stage(shardPaths[i], shards[i], metadata));
        }
        catch
        {
            foreach (var temporary in staged) TryDelete(temporary);
            throw;
        }

        var renamed = 0;
        try
        {
            if (shardPaths.Any(File.Exists)) File.Delete(indexPath);
            for (; renamed < shards.Count; renamed++)
                File.Move(staged[renamed], shardPaths[renamed], overwrite: true);
        }
        catch
        {
            foreach (var temporary in staged.Skip(renamed)) TryDelete(temporary);
            throw;
        }

        var weightMap = shards.SelectMany((shard, i) => shard.Select(entry => KeyValuePair.Create(entry.Key, Path.GetFileName(shardPaths[i]))));
        var totalSize = shards.Sum(shard => shard.Sum(entry => SafetensorsWriter.ByteLength(entry.Value)));
        AtomicFile.WriteAllText(indexPath, SafetensorsIndex.ToJson(weightMap, totalSize));
        DeleteStaleFiles(directory, baseName, keep: [.. shardPaths, indexPath]);
    }

    /// <summary>
    /// Greedy sharding as transformers does it: tensors in order, a new shard when the next tensor would take the
    /// current one over the limit. Sizes count tensor data only, not headers.
    /// </summary>
    static List<List<KeyValuePair<string, Tensor>>> PlanShards(IReadOnlyList<KeyValuePair<string, Tensor>> ordered, long maxShardBytes)
    {
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long currentBytes = 0;
        foreach (var entry in ordered)
        {
            var length = SafetensorsWriter.ByteLength(entry.Value);
            if (shards[^1].Count > 0 && currentBytes + length > maxShardBytes)
            {
                shards.Add([]);
                currentBytes = 0;
            }
            shards[^1].Add(entry);
            currentBytes += length;
        }
        return shards;
    }

    /// <summary>Writes one file to a flushed temporary next to <paramref name="path"/> and returns its name.</summary>
    static string Stage(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!,
            $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            SafetensorsWriter.WriteTo(stream, tensors, metadata);
            stream.Flush(flushToDisk: true);
            return temporary;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Removes the single file, index and shards of base name <paramref name="baseName"/> not in <paramref name="keep"/>.</summary>
    static void DeleteStaleFiles(string directory, string baseName, IReadOnlyCollection<string> keep)
    {
        var shardPattern = new Regex($@"^{Regex.Escape(baseName)}-\d{{5}}-of-\d{{5}}\.safetensors$", RegexOptions.CultureInvariant);
        var keptNames = keep.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        // Index first: without it, leftover shards are ignored even if a later deletion fails.
        var stale = Directory.EnumerateFiles(directory)
            .Select(path => Path.GetFileName(path))
            .Where(name => !keptNames.Contains(name) &&
                           (name == IndexFileName(baseName) || name == SingleFileName(baseName) || shardPattern.IsMatch(name)))
            .OrderBy(name => name == IndexFileName(baseName) ? 0 : 1)
            .ToList();
        foreach (var name in stale) File.Delete(Path.Combine(directory, name));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
