using System.Diagnostics;

namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// Fetches a Debian package's files without installing it: <c>apt-get download</c> (no root needed where the apt
/// lists are present) and <c>dpkg-deb -R</c> (its files, and its control data under <c>DEBIAN/</c>, which names its
/// version) into a directory of ours. Nothing on the system is changed, except
/// that as root with empty apt lists it runs <c>apt-get update</c> once, which a fresh Debian machine needs.
/// </summary>
public static class DebianPackage
{
    /// <summary>
    /// Extracts <paramref name="package"/> into <paramref name="destination"/> (created atomically: a partial
    /// extraction is never left under that name). Returns the destination.
    /// </summary>
    public static string Extract(string package, string destination)
    {
        if (Directory.Exists(destination)) return destination;
        var parent = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(parent);
        var work = Path.Combine(parent, $".{package}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var download = Run("apt-get", ["download", package], work);
            if (download.ExitCode != 0 && Environment.UserName == "root" && download.Error.Contains("Unable to locate package"))
            {
                Run("apt-get", ["update", "-qq"], work);
                download = Run("apt-get", ["download", package], work);
            }
            if (download.ExitCode != 0)
                throw new InvalidOperationException(
                    $"could not download the Debian package '{package}' (apt-get download: {download.Error.Trim()}); " +
                    "run 'sudo apt-get update' or scripts/setup.sh, then try again");
            var archive = Directory.GetFiles(work, "*.deb").Single();
            var extracted = Path.Combine(work, "files");
            var unpack = Run("dpkg-deb", ["-R", archive, extracted], work);
            if (unpack.ExitCode != 0)
                throw new InvalidOperationException($"could not extract {archive}: {unpack.Error.Trim()}");
            try
            {
                Directory.Move(extracted, destination);
            }
            catch (IOException) when (Directory.Exists(destination))
            {
                // Another process extracted it first: theirs is as good as ours.
            }
            return destination;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The version of the package extracted in <paramref name="extracted"/>: from its control data, or, for a directory
    /// extracted before the control data was kept, from the first line of its Debian changelog; null if neither says.
    /// </summary>
    public static string? Version(string extracted)
    {
        var control = Path.Combine(extracted, "DEBIAN", "control");
        if (File.Exists(control))
            foreach (var line in File.ReadLines(control))
                if (line.StartsWith("Version:", StringComparison.Ordinal)) return line["Version:".Length..].Trim();
        var documentation = Path.Combine(extracted, "usr", "share", "doc");
        if (!Directory.Exists(documentation)) return null;
        foreach (var name in new[] { "changelog.Debian.gz", "changelog.gz" })
            foreach (var changelog in Directory.GetFiles(documentation, name, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                using var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(changelog), System.IO.Compression.CompressionMode.Decompress));
                // "fortune-mod (1:1.99.1-7.3) unstable; urgency=medium"
                var first = reader.ReadLine();
                int open = first?.IndexOf('(') ?? -1, close = first?.IndexOf(')') ?? -1;
                if (open >= 0 && close > open) return first![(open + 1)..close];
            }
        return null;
    }

    static (int ExitCode, string Error) Run(string program, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error.Result);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"'{program}' is needed to fetch the built-in corpora and could not be started: {exception.Message}", exception);
        }
    }
}
