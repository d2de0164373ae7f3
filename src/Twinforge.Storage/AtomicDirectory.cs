namespace Twinforge.Storage;

/// <summary>
/// Writes a whole directory (a model, an adapter) so that it appears complete or not at all: everything is written
/// into a sibling temporary directory that is then renamed into place, replacing an earlier version. A failed write
/// (disk full, permissions) leaves the earlier version as it was and removes its own partial copy.
/// </summary>
public static class AtomicDirectory
{
    public static void Write(string directory, Action<string> write)
    {
        // Without its trailing separator: "served/" would otherwise put the temporary directory inside the target.
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var temporary = full + ".incomplete";
        var old = full + ".replaced";
        // A crash between the two renames below left the earlier version aside: put it back before anything else.
        if (!Directory.Exists(full) && Directory.Exists(old)) Directory.Move(old, full);
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        try
        {
            write(temporary);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
        if (Directory.Exists(full))
        {
            // Two renames: the old version stays whole until the new one is in place.
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
            Directory.Move(full, old);
            Directory.Move(temporary, full);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(temporary, full);
        }
    }

    static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
