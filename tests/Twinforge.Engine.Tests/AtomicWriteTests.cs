namespace Twinforge.Engine.Tests;

/// <summary>
/// A save that fails half-way (the disk fills, a permission is missing) must leave what was saved before intact and
/// leave no partial file behind. The failure is injected where the operating system would raise it: in the writer.
/// </summary>
public sealed class AtomicWriteTests
{
    static IOException DiskFull() => new("No space left on device");

    [Fact]
    public void A_file_write_that_fails_half_way_keeps_the_old_file_and_leaves_no_temporary()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("metrics.json");
        AtomicFile.WriteAllText(path, "old, complete");

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw DiskFull();
        }));

        Assert.Contains("No space", error.Message);
        Assert.Equal("old, complete", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void A_directory_write_that_fails_half_way_keeps_the_earlier_version_and_removes_its_partial_copy()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("model");
        AtomicDirectory.Write(model, path => File.WriteAllText(Path.Combine(path, "weights"), "version 1"));

        Assert.Throws<IOException>(() => AtomicDirectory.Write(model, path =>
        {
            File.WriteAllText(Path.Combine(path, "weights"), "version 2, half");
            throw DiskFull();
        }));

        Assert.Equal("version 1", File.ReadAllText(Path.Combine(model, "weights")));
        Assert.Equal([model], Directory.GetDirectories(directory.Path));
    }

    [Fact]
    public void A_directory_named_with_a_trailing_slash_is_written_beside_itself_and_a_failure_leaves_nothing()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("served") + Path.DirectorySeparatorChar;

        Assert.Throws<IOException>(() => AtomicDirectory.Write(model, path =>
        {
            File.WriteAllText(Path.Combine(path, "weights"), "half");
            throw DiskFull();
        }));
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path)); // no target, no temporary directory

        AtomicDirectory.Write(model, path => File.WriteAllText(Path.Combine(path, "weights"), "version 1"));
        AtomicDirectory.Write(model, path => File.WriteAllText(Path.Combine(path, "weights"), "version 2"));

        Assert.Equal(["weights"], Directory.GetFileSystemEntries(model).Select(Path.GetFileName));
        Assert.Equal("version 2", File.ReadAllText(Path.Combine(model, "weights")));
        Assert.Equal([directory.File("served")], Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public void A_crash_between_the_renames_is_repaired_by_the_next_write()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("model");
        // What a crash after "move the old version aside" and before "move the new one in" leaves.
        Directory.CreateDirectory(model + ".replaced");
        File.WriteAllText(Path.Combine(model + ".replaced", "weights"), "version 1");

        Assert.Throws<IOException>(() => AtomicDirectory.Write(model, _ => throw DiskFull()));

        Assert.Equal("version 1", File.ReadAllText(Path.Combine(model, "weights")));
    }

    [Fact]
    public void Writing_where_a_file_stands_in_the_path_fails_with_the_path_and_writes_nothing()
    {
        using var directory = new TemporaryDirectory();
        var blocker = directory.File("not-a-directory");
        File.WriteAllText(blocker, "a file");

        var error = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(Path.Combine(blocker, "run", "metrics.json"), "x"));

        Assert.Contains(blocker, error.Message);
        Assert.Equal("a file", File.ReadAllText(blocker));
    }

    [Fact]
    public void Creating_a_file_that_exists_keeps_the_first_and_a_new_one_is_private_from_its_first_byte()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("secret.pem");

        Assert.True(AtomicFile.TryCreate(path, stream => stream.Write("first"u8), UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.False(AtomicFile.TryCreate(path, stream => stream.Write("second"u8)));

        Assert.Equal("first", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
