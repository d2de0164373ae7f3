using System.Diagnostics;

namespace Twinforge.Tests.Shared;

/// <summary>
/// A folder under tests/ holding an npm package that tests drive with Node.js (the official openai client, llama.cpp's
/// node bindings), pinned by its package-lock.json and installed there by scripts/setup.sh. Without Node.js or the
/// installed package a test is skipped, saying how to get them — except in CI (CI=true), where that is a failure.
/// Compiled into each test project that needs it (linked, not copied).
/// </summary>
internal sealed class NodePackageFolder(string folderName, string package)
{
    /// <summary>The folder's full path.</summary>
    public string Path { get; } = System.IO.Path.Combine(RepositoryRoot(), "tests", folderName);

    public void RequireInstalled()
    {
        var installed = File.Exists(System.IO.Path.Combine(Path, "node_modules", package, "package.json")) && OnPath("node");
        if (installed) return;
        var why = $"{package} is not installed in tests/{folderName} (scripts/setup.sh installs it with npm)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true but {why}");
        Skip.If(true, why);
    }

    /// <summary><c>node</c> running <paramref name="arguments"/> in the folder, its output and error read by the caller.</summary>
    public ProcessStartInfo Node(IEnumerable<string> arguments) => new("node", arguments)
    {
        RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path,
    };

    static bool OnPath(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(directory => directory.Length > 0 && File.Exists(System.IO.Path.Combine(directory, program)));

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Twinforge.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException("the repository root (Twinforge.slnx) is not above the test assembly");
    }
}
