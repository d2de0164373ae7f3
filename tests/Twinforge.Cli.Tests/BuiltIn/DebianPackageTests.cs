using System.IO.Compression;
using Twinforge.Cli.BuiltIn;

namespace Twinforge.Cli.Tests.BuiltIn;

public sealed class DebianPackageTests
{
    [Fact]
    public void The_version_comes_from_the_kept_control_data()
    {
        using var directory = new TemporaryDirectory();
        Directory.CreateDirectory(Path.Combine(directory.Path, "DEBIAN"));
        File.WriteAllText(Path.Combine(directory.Path, "DEBIAN", "control"), "Package: dict-wn\nVersion: 1:3.0-37\nArchitecture: all\n");

        Assert.Equal("1:3.0-37", DebianPackage.Version(directory.Path));
    }

    /// <summary>Packages extracted before the control data was kept (dpkg-deb -x) still name their version.</summary>
    [Fact]
    public void Without_control_data_the_version_comes_from_the_debian_changelog_and_otherwise_is_unknown()
    {
        using var directory = new TemporaryDirectory();
        Assert.Null(DebianPackage.Version(directory.Path));

        var documentation = Path.Combine(directory.Path, "usr", "share", "doc", "fortunes");
        Directory.CreateDirectory(documentation);
        using (var writer = new StreamWriter(new GZipStream(File.Create(Path.Combine(documentation, "changelog.Debian.gz")), CompressionLevel.Optimal)))
            writer.Write("fortune-mod (1:1.99.1-7.3) unstable; urgency=medium\n\n  * Non-maintainer upload.\n");

        Assert.Equal("1:1.99.1-7.3", DebianPackage.Version(directory.Path));
    }
}
