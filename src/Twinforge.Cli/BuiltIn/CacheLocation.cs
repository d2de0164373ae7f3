namespace Twinforge.Cli.BuiltIn;

/// <summary>
/// Where Twinforge keeps what it builds once and reuses (the built-in corpora and base models): the
/// <c>--cache</c> option, else <c>$TWINFORGE_CACHE</c>, else <c>$XDG_CACHE_HOME/twinforge</c>, else <c>~/.cache/twinforge</c>.
/// </summary>
public static class CacheLocation
{
    public static string Resolve(DirectoryInfo? option)
    {
        if (option is not null)
        {
            Commands.OptionChecks.RequireOutputDirectory(option.FullName, "--cache");
            return option.FullName;
        }
        if (Environment.GetEnvironmentVariable("TWINFORGE_CACHE") is { Length: > 0 } explicitRoot) return Path.GetFullPath(explicitRoot);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "twinforge");
    }
}
