namespace Twinforge.Tests.Shared;

/// <summary>The repository the tests run from: for tests that read its files (the README, the shipped models).</summary>
static class Repository
{
    /// <summary>The directory holding Twinforge.slnx, above the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
                if (File.Exists(Path.Combine(directory.FullName, "Twinforge.slnx"))) return directory.FullName;
            throw new DirectoryNotFoundException("the repository root (Twinforge.slnx) is not above the test assembly");
        }
    }
}
