namespace Twinforge.Engine;

/// <summary>
/// Writes a whole directory (a model, an adapter) so that it appears complete or not at all: everything is written
/// into a sibling temporary directory that is then renamed into place, replacing an earlier version.
/// </summary>
public static class AtomicDirectory
{
    public static void Write(string directory, Action<string> write)
    {
        var full = Path.GetFullPath(directory);
        var temporary = full + ".incomplete";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        write(temporary);
        if (Directory.Exists(full))
        {
            // Two renames: the old version stays whole until the new one is in place.
            var old = full + ".replaced";
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
}
