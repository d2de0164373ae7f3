using System.Text;

namespace Twinforge.Storage;

/// <summary>
/// Writes files so that a reader, or a crash, only ever sees the old complete file or the new complete one:
/// the content goes to a temporary file in the same directory, is flushed to disk, then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes the file through <paramref name="write"/>, which receives a stream on the temporary file.</summary>
    public static void Write(string path, Action<Stream> write) => Write(path, write, overwrite: true, unixMode: null);

    /// <summary>
    /// Creates the file unless it exists, complete or not at all, readable only as <paramref name="unixMode"/> allows
    /// from its first byte (on Unix; e.g. 0600 for a secret). False when the file exists already — or another process
    /// created it first: of two racing, exactly one wins, and the other should read the winner's file.
    /// </summary>
    public static bool TryCreate(string path, Action<Stream> write, UnixFileMode? unixMode = null) => Write(path, write, overwrite: false, unixMode);

    static bool Write(string path, Action<Stream> write, bool overwrite, UnixFileMode? unixMode)
    {
        var fullPath = Path.GetFullPath(path);
        if (!overwrite && File.Exists(fullPath)) return false;
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 20 };
        if (unixMode is { } mode && !OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            if (overwrite)
            {
                File.Move(temporary, fullPath, overwrite: true);
                return true;
            }
            // Without overwrite the move fails if the name exists (on Unix a hard link, which the file system refuses
            // atomically, rather than a rename, which would replace it): so the first creator wins.
            try
            {
                File.Move(temporary, fullPath, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(fullPath))
            {
                TryDelete(temporary);
                return false;
            }
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
