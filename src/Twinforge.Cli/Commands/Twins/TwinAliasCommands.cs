using System.CommandLine;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary><c>twin promote</c> and <c>twin rollback</c>: moving the names versions are served by.</summary>
static class TwinAliasCommands
{
    public static Command Promote()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version number to promote (it must have succeeded)" };
        var alias = AliasOption();
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("promote", "Point an alias (production, staging, …) at a version.") { name, version, alias, creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var moved = opened.Lifecycle.Promote(twin.Id, result.GetValue(version), result.GetValue(alias)!);
            result.InvocationConfiguration.Output.WriteLine($"'{moved.Name}' of twin '{twin.Name}' now serves version {result.GetValue(version)}");
            // By hand, past the gates an automatic promotion applies: done as asked, and said.
            if (VersionMetrics.FromJson(opened.Registry.GetVersion(moved.VersionId).MetricsJson) is { } metrics && PromotionGate.EvaluationConcern(metrics) is { } concern)
                result.InvocationConfiguration.Output.WriteLine($"warning: an automatic promotion would have refused it: {concern}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Rollback()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var alias = AliasOption();
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("rollback", "Move an alias back to the version it served before.") { name, alias, creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var moved = opened.Lifecycle.Rollback(twin.Id, result.GetValue(alias)!);
            result.InvocationConfiguration.Output.WriteLine(
                $"'{moved.Name}' of twin '{twin.Name}' rolled back to version {opened.Registry.GetVersion(moved.VersionId).Number}");
            return ExitCodes.Success;
        });
        return command;
    }

    static Option<string> AliasOption() => new("--alias") { Description = "The alias", DefaultValueFactory = _ => "production" };
}
