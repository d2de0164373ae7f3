using Twinforge.Cli.Commands.Twins;

namespace Twinforge.Cli.Tests;

/// <summary>Which registry the twin and creator commands open when --registry is not given.</summary>
public sealed class RegistryLocationTests
{
    static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(variable => variable.Name == name).Value;

    [Fact]
    public void The_option_then_the_registry_variable_then_the_services_data_directory_name_it()
    {
        var both = Environment(("TWINFORGE_REGISTRY", "/srv/shared.db"), ("TWINFORGE_DATA_DIR", "/srv/twinforge"));

        Assert.Equal("/tmp/given.db", RegistryArguments.Location("/tmp/given.db", both));
        Assert.Equal("/srv/shared.db", RegistryArguments.Location(null, both));
        Assert.Equal(Path.Combine("/srv/twinforge", "registry.db"), RegistryArguments.Location(null, Environment(("TWINFORGE_DATA_DIR", "/srv/twinforge"))));
        Assert.EndsWith(Path.Combine(".local", "share", "twinforge", "registry.db"), RegistryArguments.Location(null, Environment()));
        Assert.EndsWith(Path.Combine(".local", "share", "twinforge", "registry.db"), RegistryArguments.Location(null, Environment(("TWINFORGE_REGISTRY", ""))));
    }
}
