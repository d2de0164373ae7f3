using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>twinforge twin report NAME VERSION --output FILE</c>: the report.html a version stored when it trained — its run's
/// curves, its held-out loss against its parent, its answers and, when evaluated, fidelity, memorisation and
/// forgetting — written where a browser can open it. The page holds the twin's answers to the creator's prompts, so
/// it is recorded as a copy of the version, which a consent withdrawal lists for deletion.
/// </summary>
public static class TwinReportCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version" };
        var creator = TwinTrainingCommands.CreatorOption();
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write the version's report to (an .html page)", Required = true }
            .AcceptOnlyFiles("a file to write the report to");
        var force = new Option<bool>("--force") { Description = "Replace a file already at --output [default: false]" };
        var registry = new RegistryArguments();
        var command = new Command("report",
            "Write a version's report.html as stored when it trained: its run, held-out loss against its parent, answers, and its evaluation when it has one.")
        {
            name, version, creator, output, force,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var recorded = opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version));
            var report = recorded.Artifacts.FirstOrDefault(artifact => artifact.Kind == ArtifactReference.Report)
                ?? throw new BadInputException($"version {recorded.Number} of twin '{twin.Name}' has no report: it {recorded.Status.Stated()}" +
                                               (recorded.Status == VersionStatus.Deleted ? " (its report was erased with it)" : " (only a version that finished training has one)"));
            var path = result.GetValue(output)!.FullName;
            OptionChecks.RequireOutputFile(path, result.GetValue(force), "--output");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!); // its folder: made when missing (checked that it can be)
            // Recorded before it is written: a crash between the two leaves a record of a copy that may not exist,
            // never a copy of the creator's data that no record lists.
            opened.Lifecycle.RecordCopy(recorded, path);
            using (var stored = new RecordedArtifacts(opened.Registry, opened.Store).OpenRead(report.ContentHash))
                AtomicFile.Write(path, destination => stored.CopyTo(destination));
            result.InvocationConfiguration.Output.WriteLine(
                $"Report of twin '{twin.Name}' version {recorded.Number}: {path} (recorded as a copy of the version: withdrawing its creator's consent lists it)");
            return ExitCodes.Success;
        });
        return command;
    }
}
