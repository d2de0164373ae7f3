using System.CommandLine;
using Twinforge.Cli.Progress;
using Twinforge.Registry.Artifacts;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>twin rebuild</c> (reproducibility), <c>twin delete</c> (a twin with all its versions) and <c>twin gc</c>
/// (orphaned artifacts, abandoned versions).
/// </summary>
static class TwinMaintenanceCommands
{
    public static Command Rebuild()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version to train again from its record" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var plain = CommonOptions.Plain();
        var command = new Command("rebuild", "Train a version again from its record alone and check the weights hash to the recorded artifact.") { name, version, creator, plain };
        registry.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var record = opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version));
            var rebuilt = TrainingDisplay.For(output, result.GetValue(plain)).RunVersion($"rebuilding version {record.Number}", onEvent =>
                opened.Lifecycle.Rebuild(record.Id, onEvent, cancellationToken));
            output.WriteLine($"recorded {rebuilt.Kind} {rebuilt.RecordedHash}");
            output.WriteLine($"rebuilt  {rebuilt.Kind} {rebuilt.RebuiltHash}");
            output.WriteLine(rebuilt.Identical ? "identical: the version is reproducible from its record" : "DIFFERENT: the rebuild did not reproduce the recorded artifact");
            return Task.FromResult(rebuilt.Identical ? ExitCodes.Success : ExitCodes.Failure);
        });
        return command;
    }

    public static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var reason = new Option<string>("--reason") { Description = "Why, as kept in the audit record", Required = true };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("delete",
            "Delete a twin with all its versions, aliases and artifacts, with an audit record; the creator's data stays. Lists the exported copies you must delete.")
        {
            name, reason, creator,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var deletion = opened.Lifecycle.DeleteTwin(twin.Id, result.GetValue(reason)!);
            var audit = deletion.Audit;
            output.WriteLine($"twin '{twin.Name}' deleted with {audit.DeletedVersionIds.Count} version(s), {audit.RemovedAliasCount} alias(es) and " +
                             $"{deletion.Artifacts.Deleted.Count} artifact(s); audit record {audit.Id}. The creator's data stays (creator withdraw deletes it).");
            if (deletion.Artifacts.KeptStillReferenced.Count > 0)
                output.WriteLine($"kept {deletion.Artifacts.KeptStillReferenced.Count} artifact(s) that other versions also record");
            VersionPrinter.ExportedCopies(output, audit.ExportedCopies, _ => $"twin '{twin.Name}'");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CollectGarbage()
    {
        var minAge = new Option<double>("--min-age-hours")
        {
            Description = "Only artifacts (and abandoned partial writes) older than this are removed, and versions left pending or training longer than this are marked failed, so work in progress is never touched",
            DefaultValueFactory = _ => 24,
        }.AtLeast(0.0);
        var registry = new RegistryArguments();
        var command = new Command("gc", "Delete artifacts no version or dataset records (left by a crash between writing and recording) and mark versions a crashed run left unfinished as failed.") { minAge };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var age = TimeSpan.FromHours(result.GetValue(minAge));
            var removed = ArtifactGarbageCollector.CollectGarbage(opened.Registry, opened.Store, age);
            int partial = opened.Store.DeleteAbandonedWrites(age);
            var abandoned = opened.Lifecycle.FailAbandonedVersions(age);
            var output = result.InvocationConfiguration.Output;
            output.WriteLine($"removed {removed.Count} unrecorded artifact(s) and {partial} abandoned partial write(s)");
            foreach (var version in abandoned)
                output.WriteLine($"version {version.Number} of twin {version.TwinId} was left unfinished since {version.CreatedAt:u}: marked failed");
            return ExitCodes.Success;
        });
        return command;
    }
}
