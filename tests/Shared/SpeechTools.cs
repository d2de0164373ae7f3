using Xunit;

namespace Twinforge.Tests.Shared;

/// <summary>
/// Debian's espeak-ng and flite, which scripts/setup.sh installs as root. Without them the tests that synthesise are
/// skipped, saying how to get them — except in CI (CI=true), where that is a failure. Linked into every test
/// project that synthesises speech.
/// </summary>
static class SpeechTools
{
    public static void Require(params string[] programs)
    {
        var missing = programs.Where(program => !OnPath(program)).ToList();
        if (missing.Count == 0) return;
        var why = $"{string.Join(", ", missing)} not installed (scripts/setup.sh installs them as root: apt-get install {string.Join(' ', missing)})";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true but {why}");
        Skip.If(true, why);
    }

    static bool OnPath(string program) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, program)));
}
