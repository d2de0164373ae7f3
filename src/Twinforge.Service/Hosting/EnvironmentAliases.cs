using Microsoft.Extensions.Configuration;

namespace Twinforge.Service.Hosting;

/// <summary>
/// The environment variables the command line already reads (TWINFORGE_REGISTRY, TWINFORGE_ARTIFACTS) and the
/// service's own (TWINFORGE_DATA_DIR, TWINFORGE_ADMIN_KEY), as keys of the <c>Twinforge</c> section. Added below the
/// standard environment and command-line sources, so <c>Twinforge__Registry</c> or <c>--Twinforge:Registry</c> win.
/// </summary>
internal static class EnvironmentAliases
{
    static readonly (string Variable, string Key)[] Aliases =
    [
        ("TWINFORGE_DATA_DIR", $"{ServiceOptions.Section}:{nameof(ServiceOptions.DataDirectory)}"),
        ("TWINFORGE_REGISTRY", $"{ServiceOptions.Section}:{nameof(ServiceOptions.Registry)}"),
        ("TWINFORGE_ARTIFACTS", $"{ServiceOptions.Section}:{nameof(ServiceOptions.Artifacts)}"),
        ("TWINFORGE_ADMIN_KEY", $"{ServiceOptions.Section}:{nameof(ServiceOptions.AdminKey)}"),
    ];

    public static IEnumerable<KeyValuePair<string, string?>> Read() =>
        Aliases.Select(alias => (alias.Key, Value: Environment.GetEnvironmentVariable(alias.Variable)))
            .Where(pair => !string.IsNullOrEmpty(pair.Value))
            .Select(pair => new KeyValuePair<string, string?>(pair.Key, pair.Value));
}
