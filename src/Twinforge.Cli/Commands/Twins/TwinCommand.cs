using System.CommandLine;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>twinforge twin</c>: a twin's versions over the registry — create, update as data arrives, retry a failed version,
/// promote, roll back, compare, evaluate, diff, inspect lineage, write a version's report, rebuild, export for serving,
/// delete, collect orphaned artifacts.
/// </summary>
public static class TwinCommand
{
    public static Command Create(Hub.HubSettings hub) => new("twin", "Twin versions with lineage: create, update, retry, promote, rollback, compare, evaluate, diff, show, lineage, report, rebuild, export, delete, gc.")
    {
        TwinTrainingCommands.Create(hub),
        TwinTrainingCommands.Update(),
        TwinTrainingCommands.Retry(),
        TwinAliasCommands.Promote(),
        TwinAliasCommands.Rollback(),
        TwinInspectionCommands.Compare(),
        TwinInspectionCommands.Evaluate(),
        TwinInspectionCommands.Diff(),
        TwinInspectionCommands.List(),
        TwinInspectionCommands.Show(),
        TwinInspectionCommands.Lineage(),
        TwinInspectionCommands.Recipe(),
        TwinReportCommand.Create(),
        TwinInspectionCommands.Export(),
        TwinMaintenanceCommands.Rebuild(),
        TwinMaintenanceCommands.Delete(),
        TwinMaintenanceCommands.CollectGarbage(),
    };
}
