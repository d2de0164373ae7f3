using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Twinforge.Registry.Artifacts;

namespace Twinforge.Registry.Tests.Artifacts;

public sealed class LocalArtifactStoreTests : IDisposable
{
    readonly TemporaryDirectory scratch = new();
    readonly LocalArtifactStore store;

    public LocalArtifactStoreTests() => store = new LocalArtifactStore(scratch.Sub("store"));

    public void Dispose() => scratch.Dispose();

    static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void A_stored_file_is_named_by_its_sha256_and_reads_back_unchanged()
    {
        var content = RandomNumberGenerator.GetBytes(300_000);

        var hash = store.Put(new MemoryStream(content));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), hash); // independent computation
        using var read = store.OpenRead(hash);
        using var copy = new MemoryStream();
        read.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
        Assert.True(store.Exists(hash));
        Assert.Equal(content.Length, Assert.Single(store.List()).Length);
    }

    [Fact]
    public void Storing_the_same_content_twice_keeps_one_copy()
    {
        var path = scratch.File("report.html");
        File.WriteAllText(path, "<html>report</html>");

        var first = store.PutFile(path);
        var second = store.Put(new MemoryStream(Bytes("<html>report</html>")));

        Assert.Equal(first, second);
        Assert.Single(store.List());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, "incoming")));
    }

    [Fact]
    public void A_corrupted_artifact_is_detected_naming_its_hash_and_path()
    {
        var hash = store.Put(new MemoryStream(Bytes("adapter weights")));
        var path = store.PathOf(hash);
        var bytes = File.ReadAllBytes(path);
        bytes[3] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ArtifactCorruptedException>(() => store.OpenRead(hash));

        Assert.Equal((hash, path), (error.ContentHash, error.Location));
        Assert.Contains(hash, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_truncated_artifact_is_detected()
    {
        var hash = store.Put(new MemoryStream(RandomNumberGenerator.GetBytes(10_000)));
        using (var file = new FileStream(store.PathOf(hash), FileMode.Open)) file.SetLength(4_096);

        var error = Assert.Throws<ArtifactCorruptedException>(() => store.OpenRead(hash));

        Assert.Contains("4096 bytes", error.Message);
    }

    [Fact]
    public void A_corrupted_directory_artifact_is_not_extracted()
    {
        var adapter = scratch.Sub("adapter");
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), """{"r":4}""");
        var hash = store.PutDirectory(adapter);
        var path = store.PathOf(hash);
        var bytes = File.ReadAllBytes(path);
        bytes[600] ^= 0xFF; // inside the file's data block
        File.WriteAllBytes(path, bytes);
        var destination = Path.Combine(scratch.Path, "restored");

        Assert.Throws<ArtifactCorruptedException>(() => store.ExtractDirectory(hash, destination));
        Assert.False(Directory.Exists(destination));
    }

    [Fact]
    public void Deleting_the_last_object_of_a_prefix_removes_its_folder_and_a_later_put_makes_it_again()
    {
        var hash = store.Put(new MemoryStream(Bytes("erase me")));
        var folder = Path.GetDirectoryName(store.PathOf(hash))!;

        Assert.True(store.Delete(hash));

        Assert.False(Directory.Exists(folder)); // no empty folder telling which prefixes were used
        Assert.Equal(hash, store.Put(new MemoryStream(Bytes("erase me"))));
        Assert.True(store.Exists(hash));
    }

    [Fact]
    public void A_missing_artifact_is_reported_as_not_found()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Bytes("never stored")));

        Assert.Throws<ArtifactNotFoundException>(() => store.OpenRead(hash));
        Assert.False(store.Exists(hash));
        Assert.False(store.Delete(hash));
    }

    [Fact]
    public void A_malformed_hash_is_refused_before_touching_the_disk()
    {
        Assert.Throws<ArgumentException>(() => store.OpenRead("../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => store.Delete("ABC"));
    }

    [Fact]
    public void A_directory_hashes_the_same_whatever_its_file_times_and_creation_order()
    {
        var first = scratch.Sub("first");
        File.WriteAllText(Path.Combine(first, "config.json"), """{"hidden_size":32}""");
        Directory.CreateDirectory(Path.Combine(first, "sub"));
        File.WriteAllBytes(Path.Combine(first, "sub", "model.safetensors"), [1, 2, 3, 4]);
        var second = scratch.Sub("second");
        Directory.CreateDirectory(Path.Combine(second, "sub"));
        File.WriteAllBytes(Path.Combine(second, "sub", "model.safetensors"), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(second, "config.json"), """{"hidden_size":32}""");
        File.SetLastWriteTimeUtc(Path.Combine(second, "config.json"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var firstHash = store.PutDirectory(first);
        var secondHash = store.PutDirectory(second);

        Assert.Equal(firstHash, secondHash);
        File.WriteAllText(Path.Combine(second, "config.json"), """{"hidden_size":64}""");
        Assert.NotEqual(firstHash, store.PutDirectory(second));
    }

    [Fact]
    public void A_directory_extracts_to_the_same_files_and_replaces_an_existing_one()
    {
        var adapter = scratch.Sub("adapter");
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), """{"r":4}""");
        var weights = RandomNumberGenerator.GetBytes(70_000);
        File.WriteAllBytes(Path.Combine(adapter, "adapter_model.safetensors"), weights);
        var hash = store.PutDirectory(adapter);
        var destination = scratch.Sub("restored");
        File.WriteAllText(Path.Combine(destination, "stale.txt"), "old");

        store.ExtractDirectory(hash, destination);

        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], Directory.GetFiles(destination).Select(Path.GetFileName).Order());
        Assert.Equal("""{"r":4}""", File.ReadAllText(Path.Combine(destination, "adapter_config.json")));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(destination, "adapter_model.safetensors")));
    }

    [Fact]
    public void A_directory_extracts_to_a_path_written_with_a_trailing_slash_and_nowhere_else()
    {
        var adapter = scratch.Sub("adapter");
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), """{"r":4}""");
        var hash = store.PutDirectory(adapter);
        var parent = scratch.Sub("exports");
        var destination = Path.Combine(parent, "served") + Path.DirectorySeparatorChar;

        store.ExtractDirectory(hash, destination);

        Assert.Equal(["adapter_config.json"], Directory.GetFileSystemEntries(destination).Select(Path.GetFileName));
        Assert.Equal([Path.Combine(parent, "served")], Directory.GetFileSystemEntries(parent));
    }

    [Fact]
    public void An_archive_that_escapes_its_directory_is_refused()
    {
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, TarEntryFormat.Ustar, leaveOpen: true))
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "../escaped.txt") { DataStream = new MemoryStream(Bytes("x")) });
        archive.Position = 0;
        var hash = store.Put(archive);

        Assert.Throws<InvalidDataException>(() => store.ExtractDirectory(hash, Path.Combine(scratch.Path, "out", "dir")));
        Assert.False(File.Exists(Path.Combine(scratch.Path, "out", "escaped.txt")));
    }

    [Fact]
    public void Deleting_removes_the_artifact_from_the_listing()
    {
        var kept = store.Put(new MemoryStream(Bytes("kept")));
        var removed = store.Put(new MemoryStream(Bytes("removed")));

        Assert.True(store.Delete(removed));

        Assert.Equal([kept], store.List().Select(a => a.ContentHash));
    }

    [Fact]
    public void Abandoned_partial_writes_are_removed_once_old_and_never_listed()
    {
        var incoming = Path.Combine(store.Root, "incoming");
        var abandoned = Path.Combine(incoming, "1234.dead.tmp");
        var inProgress = Path.Combine(incoming, "5678.live.tmp");
        File.WriteAllText(abandoned, "half an adapter");
        File.WriteAllText(inProgress, "still being written");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddDays(-1));

        Assert.Empty(store.List());
        Assert.Equal(1, store.DeleteAbandonedWrites(TimeSpan.FromHours(1)));

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(inProgress));
    }
}
