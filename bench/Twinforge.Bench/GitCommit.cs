using System.Diagnostics;

namespace Twinforge.Bench;

/// <summary>The commit the harness was built from, so a figure can be traced to its code.</summary>
public static class GitCommit
{
    /// <summary>The HEAD commit of the repository around the working directory, with "-dirty" for uncommitted changes; null without git.</summary>
    public static string? Describe()
    {
        var head = Git("rev-parse HEAD");
        if (head is null) return null;
        var changes = Git("status --porcelain --untracked-files=no");
        return string.IsNullOrEmpty(changes) ? head : head + "-dirty";
    }

    static string? Git(string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
