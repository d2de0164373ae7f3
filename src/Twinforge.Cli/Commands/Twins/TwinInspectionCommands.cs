using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Twinforge.Cli.Progress;
using Twinforge.Engine;
using Twinforge.Engine.Lora;
using Twinforge.Registry.Records;
using Twinforge.Twins;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Cli.Commands.Twins;

/// <summary><c>twin list</c>, <c>show</c>, <c>lineage</c>, <c>compare</c> and <c>export</c>: reading the registry.</summary>
static partial class TwinInspectionCommands
{
    public static Command List()
    {
        var creator = new Option<string>("--creator") { Description = "Only this creator's twins [default: all]" };
        var registry = new RegistryArguments();
        var command = new Command("list", "List twins with their latest version and aliases.") { creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var creators = opened.Registry.ListCreators().ToDictionary(c => c.Id, c => c.Name);
            long? only = result.GetValue(creator) is string creatorName ? opened.Creator(creatorName).Id : null;
            foreach (var twin in opened.Registry.ListTwins(only))
            {
                var aliases = opened.Registry.ListAliases(twin.Id).Select(a => $"{a.Name}→v{opened.Registry.GetVersion(a.VersionId).Number}");
                result.InvocationConfiguration.Output.WriteLine($"{twin.Name,-24} creator {creators[twin.CreatorId],-16} versions {twin.LatestVersion,3}  {string.Join(" ", aliases)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Show()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("show", "Every version of a twin: status, parent, held-out figures, who made it, and the aliases.") { name, creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var aliases = opened.Registry.ListAliases(twin.Id).ToLookup(a => a.VersionId, a => a.Name);
            var numbers = opened.Registry.ListVersions(twin.Id).ToDictionary(v => v.Id, v => v.Number);
            output.WriteLine($"twin '{twin.Name}' of {opened.Registry.GetCreator(twin.CreatorId).Name}");
            var versions = opened.Registry.ListVersions(twin.Id).ToList();
            // The verdict and author columns are as wide as their widest entry, so a long verdict never shifts the rest.
            int verdictWidth = 7, byWidth = Math.Max(2, versions.Select(v => v.CreatedBy.Length).DefaultIfEmpty(0).Max());
            var cells = new List<(TwinVersion Version, string Parent, string HeldOut, string Fresh, string Verdict, List<string> Notes)>();
            foreach (var version in versions)
            {
                var metrics = VersionMetrics.FromJson(version.MetricsJson);
                var parent = version.ParentVersionId is long id ? numbers[id].ToString(CultureInfo.InvariantCulture) : "-";
                var fresh = metrics?.NewHeldOutLoss is double loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "-";
                var verdict = metrics is null ? "" : metrics.Verdict;
                var heldOut = VersionPrinter.Loss(metrics);
                // A voice version's held-out figure is its mel loss, judged against its parent on the same clips.
                if (Twinforge.Twins.Voice.VoiceVersionMetrics.FromJson(version.MetricsJson) is { } voice)
                    (heldOut, fresh, verdict) = (voice.HeldOutMelLoss.ToString("F4", CultureInfo.InvariantCulture), "-", voice.Verdict);
                var notes = new List<string>();
                if (VersionFailure.ReasonIn(version.MetricsJson) is { } reason) notes.Add($"failed: {OneLine(reason)}");
                if (VersionPrinter.EvaluationSummary(metrics) is string summary) notes.Add(summary);
                if (metrics?.Search is { } search) notes.Add(search.Describe());
                verdictWidth = Math.Max(verdictWidth, verdict.Length);
                cells.Add((version, parent, heldOut, fresh, verdict, notes));
            }
            output.WriteLine($"{"version",7} {"status",-10} {"parent",6} {"held-out",9} {"new data",9}  {"verdict".PadRight(verdictWidth)} {"by".PadRight(byWidth)} created");
            foreach (var (version, parent, heldOut, fresh, verdict, notes) in cells)
            {
                output.WriteLine($"{version.Number,7} {version.Status.Name(),-10} {parent,6} {heldOut,9} {fresh,9}  {verdict.PadRight(verdictWidth)} {version.CreatedBy.PadRight(byWidth)} " +
                                 $"{version.CreatedAt:u} {string.Join(" ", aliases[version.Id].Select(a => "[" + a + "]"))}".TrimEnd());
                foreach (var note in notes) output.WriteLine($"{"",7} {note}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Recipe()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("recipe",
            "How a version was trained, as the recipe file it recorded (recipe.yaml's keys, without paths): edit it and pass it to --recipe.")
        {
            name, version, creator,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var recorded = opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version));
            if (recorded.Status == VersionStatus.Deleted)
                throw new BadInputException($"version {recorded.Number} of twin '{twin.Name}' is deleted: its recipe was erased with it");
            // Versions recorded before recipes had one format hold JSON: shown in today's format.
            result.InvocationConfiguration.Output.Write(TwinRecipe.FromText(recorded.RecipeText).ToText());
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Lineage()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("lineage", "Everything a version was built from: base model, datasets and parent chain.") { name, version, creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var lineage = opened.Registry.GetLineage(opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version)).Id);
            foreach (var sources in new[] { lineage.Version }.Concat(lineage.Ancestors))
            {
                var v = sources.Version;
                output.WriteLine($"version {v.Number} ({v.Status.Name()}, seed {v.Seed}, code {v.CodeVersion}, by {v.CreatedBy} at {v.CreatedAt:u})");
                if (VersionFailure.ReasonIn(v.MetricsJson) is { } reason) output.WriteLine($"  failed: {OneLine(reason)}");
                output.WriteLine($"  base model '{sources.BaseModel.Name}': {sources.BaseModel.Architecture}, {sources.BaseModel.ParameterCount:N0} parameters, {sources.BaseModel.Path}");
                // A refit trains on its earlier data in full; the registry records that data's role as replay either way.
                var refit = v.Status != VersionStatus.Deleted && TwinRecipe.FromText(v.RecipeText).UpdateMode == UpdateMode.Refit;
                foreach (var used in sources.Datasets)
                {
                    var role = refit && used.Role == DatasetUse.Replay ? "earlier data, trained on in full (refit)" : used.Role;
                    output.WriteLine($"  {role,-8} dataset {used.Dataset.Id}: {string.Join(", ", used.Dataset.SourceFiles)} (sha256 {used.Dataset.ContentHash[..16]}…)");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Compare()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var first = new Argument<int>("a") { Description = "A version" };
        var second = new Argument<int>("b") { Description = "Another version" };
        var prompts = new Option<int>("--prompts") { Description = "How many held-out prompts both versions answer", DefaultValueFactory = _ => 3 }.AtLeast(0);
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("compare", "Two versions side by side: held-out figures and answers to the same prompts.") { name, first, second, prompts, creator };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var comparison = opened.Lifecycle.Compare(twin.Id, result.GetValue(first), result.GetValue(second));
            string Figure(VersionMetrics? m, Func<VersionMetrics, double?> pick) =>
                m is not null && pick(m) is double value ? value.ToString("F4", CultureInfo.InvariantCulture) : "-";
            output.WriteLine($"{"",-28} {"version " + comparison.A.Number,14} {"version " + comparison.B.Number,14}");
            output.WriteLine($"{"status",-28} {comparison.A.Status.Name(),14} {comparison.B.Status.Name(),14}");
            output.WriteLine($"{"fixed held-out loss",-28} {Figure(comparison.MetricsA, m => m.FixedHeldOutLoss),14} {Figure(comparison.MetricsB, m => m.FixedHeldOutLoss),14}");
            output.WriteLine($"{"its own new data's held-out",-28} {Figure(comparison.MetricsA, m => m.NewHeldOutLoss),14} {Figure(comparison.MetricsB, m => m.NewHeldOutLoss),14}");
            string Tokens(VersionMetrics? m) => m is null ? "-" : m.TrainedTokens.ToString("N0", CultureInfo.InvariantCulture);
            output.WriteLine($"{"tokens trained on",-28} {Tokens(comparison.MetricsA),14} {Tokens(comparison.MetricsB),14}");
            output.WriteLine($"{"seed spread (--seeds)",-28} {Figure(comparison.MetricsA, m => m.SeedSpread),14} {Figure(comparison.MetricsB, m => m.SeedSpread),14}");
            string Percent(VersionMetrics? m, Func<VersionEvaluation, double?> pick) =>
                m?.Evaluation is { } e && pick(e) is double value ? (value * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-";
            output.WriteLine($"{"judged the creator's",-28} {Percent(comparison.MetricsA, e => e.Fidelity.Attribution?.TwinShare),14} {Percent(comparison.MetricsB, e => e.Fidelity.Attribution?.TwinShare),14}");
            output.WriteLine($"{"verbatim 8-grams",-28} {Percent(comparison.MetricsA, e => e.Memorisation.TwinVerbatimShare),14} {Percent(comparison.MetricsB, e => e.Memorisation.TwinVerbatimShare),14}");
            output.WriteLine($"{"training answers extracted",-28} {Percent(comparison.MetricsA, e => e.Memorisation.ExtractionTrials > 0 ? e.Memorisation.TwinExtractionRate : null),14} {Percent(comparison.MetricsB, e => e.Memorisation.ExtractionTrials > 0 ? e.Memorisation.TwinExtractionRate : null),14}");
            output.WriteLine($"{"general English loss",-28} {Figure(comparison.MetricsA, m => m.Evaluation?.Forgetting?.TwinLoss),14} {Figure(comparison.MetricsB, m => m.Evaluation?.Forgetting?.TwinLoss),14}");
            if (comparison.FixedHeldOutDifference is { } difference)
                output.WriteLine($"version {comparison.B.Number} against version {comparison.A.Number}: " + difference.Verdict switch
                {
                    LossVerdict.Lower => $"better on the fixed held-out set, beyond its noise: {difference.Describe()}",
                    LossVerdict.Higher => $"worse on the fixed held-out set, beyond its noise: {difference.Describe()}",
                    _ => $"not shown different on the fixed held-out set: {difference.Describe()}",
                });
            else if (comparison.FixedHeldOutLossChange is double change)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"version {comparison.B.Number} is {(change < 0 ? "better" : "not better")} on the fixed held-out set ({change:+0.0000;-0.0000}; not told from noise: {comparison.NoIntervalReason})"));
            if (comparison.A.Status != VersionStatus.Succeeded || comparison.B.Status != VersionStatus.Succeeded)
            {
                output.WriteLine("no answers to compare: only succeeded versions are served");
                return ExitCodes.Success;
            }
            var samples = Samples(opened, comparison, result.GetValue(prompts));
            foreach (var sample in samples.Samples)
            {
                output.WriteLine($"Q: {sample.Prompt}");
                foreach (var (label, text) in sample.Outputs) output.WriteLine($"   {label,-10} {text.ReplaceLineEndings(" ")}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Both versions answering the first user turns of the twin's fixed held-out conversations.</summary>
    static Reporting.SampleSet Samples(OpenedRegistry opened, VersionComparison comparison, int count)
    {
        var scratch = Directory.CreateTempSubdirectory("twinforge-compare-").FullName;
        try
        {
            var heldOut = opened.Registry.GetDataset(comparison.B.Datasets.Concat(comparison.A.Datasets).First(use => use.Role == DatasetUse.HeldOut).DatasetId);
            var prompts = RunSamples.DistinctPrompts(opened.Lifecycle.Data.Examples(heldOut, scratch), count);
            var models = new[] { comparison.A, comparison.B }.Select(version => ($"version {version.Number}", Loader(opened, version, scratch)));
            return RunSamples.Answer(prompts, models);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    public static Command Evaluate()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Argument<int>("version") { Description = "The version" };
        var creator = TwinTrainingCommands.CreatorOption();
        var cache = CommonOptions.Cache();
        var registry = new RegistryArguments();
        var command = new Command("evaluate",
            "Measure a version's fidelity (held-out loss and a stylometric judge's attribution, beside the base and the creator), memorisation " +
            "(verbatim 8-grams, copies, extraction of training answers) and forgetting (general English against the base), and record them with it.")
        {
            name, version, creator, cache,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var chosen = opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version));
            var sources = Cli.BuiltIn.BuiltInEvaluationSources.Load(Cli.BuiltIn.CacheLocation.Resolve(result.GetValue(cache)));
            var (figures, answers) = opened.Lifecycle.Evaluate(chosen.Id, sources, stage => output.WriteLine($"evaluating: {stage}"));
            output.WriteLine($"twin '{twin.Name}' version {chosen.Number}, evaluated and recorded:");
            foreach (var line in EvaluationReport.Lines(figures)) output.WriteLine("  " + line);
            output.WriteLine("Answers to held-out prompts (the creator's own, the twin's, the base's):");
            foreach (var sample in answers.Samples.Take(3))
            {
                output.WriteLine($"  Q: {sample.Prompt.ReplaceLineEndings(" ")}");
                foreach (var (label, text) in sample.Outputs) output.WriteLine($"     {label,-12} {text.ReplaceLineEndings(" ")}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Loads a succeeded version (its adapter on its base, or its full model), unpacking its weights into the scratch directory once.</summary>
    static Func<PretrainedModel> Loader(OpenedRegistry opened, TwinVersion version, string scratch) => () =>
    {
        var weights = Path.Combine(scratch, $"v{version.Number}");
        var kind = Directory.Exists(weights)
            ? (File.Exists(Path.Combine(weights, "adapter_config.json")) ? ArtifactReference.Adapter : ArtifactReference.MergedModel)
            : opened.Lifecycle.ExtractWeights(version, weights);
        if (kind != ArtifactReference.Adapter) return PretrainedModel.Load(weights);
        var model = PretrainedModel.Load(opened.Registry.GetBaseModel(version.BaseModelId).Path!);
        PeftAdapter.Load(model.Network, weights);
        return model;
    };

    public static Command Diff()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var first = new Argument<int>("a") { Description = "A version" };
        var second = new Argument<int>("b") { Description = "Another version" };
        var prompts = new Option<int>("--prompts") { Description = "Held-out prompts in the probe set (besides the general ones)", DefaultValueFactory = _ => 8 }.AtLeast(0);
        var html = new Option<DirectoryInfo>("--output") { Description = "Also write the diff as report.html into this directory [default: none]" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("diff",
            "How two versions behave differently: both answer held-out and general prompts, each answer is scored under both, largest changes first.")
        {
            name, first, second, prompts, html, creator,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(first) == result.GetValue(second))
                throw new BadInputException($"a and b are both version {result.GetValue(first)}: a version answers as itself, so there is nothing to diff; name two versions");
            using var opened = registry.Open(result);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var (a, b) = (opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(first)), opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(second)));
            foreach (var version in new[] { a, b }) TwinLifecycle.RequireSucceeded(version, "can answer the probes");
            var scratch = Directory.CreateTempSubdirectory("twinforge-diff-").FullName;
            try
            {
                var heldOut = opened.Registry.GetDataset(b.Datasets.First(use => use.Role == DatasetUse.HeldOut).DatasetId);
                var probes = RunSamples.DistinctPrompts(opened.Lifecycle.Data.Examples(heldOut, scratch), result.GetValue(prompts))
                    .Select(prompt => new Probe(prompt, "held-out"))
                    .Concat(BehaviourDiff.GeneralPrompts.Select(prompt => new Probe(prompt, "general"))).ToList();
                var sequenceLength = TwinRecipe.FromText(b.RecipeText).Options.Data.SequenceLength;
                var diff = BehaviourDiff.Compare(Loader(opened, a, scratch), Loader(opened, b, scratch), probes, sequenceLength);
                var (labelA, labelB) = ($"v{a.Number}", $"v{b.Number}");
                output.WriteLine($"twin '{twin.Name}': version {a.Number} against version {b.Number} on {probes.Count} prompts, largest change first " +
                                 "(loss in nats per token of each answer under each version; change: how much less likely each finds the other's answer)");
                foreach (var answers in diff)
                {
                    output.WriteLine(Invariant($"[{answers.Probe.Kind}] {answers.Probe.Prompt}   change {answers.Change:+0.00;-0.00}"));
                    output.WriteLine(Invariant($"   {labelA}: {OneLine(answers.AnswerA)}   (under {labelA} {answers.AUnderA:F2}, under {labelB} {answers.AUnderB:F2})"));
                    output.WriteLine(Invariant($"   {labelB}: {OneLine(answers.AnswerB)}   (under {labelA} {answers.BUnderA:F2}, under {labelB} {answers.BUnderB:F2})"));
                }
                if (result.GetValue(html) is { } directory)
                {
                    // The page holds the creator's held-out prompts and both versions' answers: recorded as a copy of
                    // each, so that deleting either (a consent withdrawal) lists it for the operator to delete.
                    var pagePath = Path.Combine(directory.FullName, "report.html");
                    foreach (var version in new[] { a, b }) opened.Lifecycle.RecordCopy(version, pagePath);
                    Directory.CreateDirectory(directory.FullName);
                    var page = Reporting.SummaryReport.Write(directory.FullName, new Reporting.SummaryPage($"{twin.Name}: version {a.Number} against version {b.Number}",
                        [$"Both versions answered the same {probes.Count} prompts (held-out prompts of the creator's and general ones) with the same sampling and seeds; " +
                         "each answer is scored under both versions (nats per token, lower is likelier). Change adds how much less likely each version finds the other's answer: largest first."],
                        ["probe", "prompt", $"version {a.Number}'s answer", "its loss under A / B", $"version {b.Number}'s answer", "its loss under A / B", "change"],
                        diff.Select(answers => (IReadOnlyList<string>)
                        [
                            answers.Probe.Kind, answers.Probe.Prompt, answers.AnswerA, Invariant($"{answers.AUnderA:F2} / {answers.AUnderB:F2}"),
                            answers.AnswerB, Invariant($"{answers.BUnderA:F2} / {answers.BUnderB:F2}"), Invariant($"{answers.Change:+0.00;-0.00}"),
                        ]).ToList(), [], []));
                    output.WriteLine($"Report: {page}");
                }
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static string OneLine(string text) => text.Length == 0 ? "(nothing)" : text.ReplaceLineEndings(" ");

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static Command Export()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Option<int?>("--version") { Description = "The version [default: the one --alias serves]" };
        var alias = new Option<string>("--alias") { Description = "The alias whose version is exported", DefaultValueFactory = _ => "production" };
        var output = new Option<DirectoryInfo>("--output") { Description = "Where the adapter (PEFT layout) or model is written (must not exist, or be empty)", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an earlier export (an adapter or model directory) at --output [default: false]" };
        var creator = TwinTrainingCommands.CreatorOption();
        var registry = new RegistryArguments();
        var command = new Command("export",
            "Write a version's adapter (or full model), verified, to a directory: what serving loads. The copy is recorded, so deleting the version lists it for you to delete.")
        {
            name, version, alias, output, force, creator,
        };
        registry.AddTo(command);
        command.SetAction(result =>
        {
            using var opened = registry.Open(result);
            if (result.GetValue(version) is not null && result.GetResult(alias) is { Implicit: false })
                throw new BadInputException("--version and --alias both name the version to export: give one");
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var aliasName = result.GetValue(alias)!;
            var chosen = result.GetValue(version) is int number
                ? opened.Registry.GetVersionByNumber(twin.Id, number)
                : opened.Registry.ListAliases(twin.Id).Any(existing => existing.Name == aliasName)
                    ? opened.Registry.ResolveAlias(twin.Id, aliasName)
                    // A new twin has no alias until one is set: say how to get one, or to name the version.
                    : throw new BadInputException($"twin '{twin.Name}' has no alias '{aliasName}'{(result.GetResult(alias) is { Implicit: false } ? "" : " (--alias' default)")} yet: export a version with --version N " +
                                                  $"(its versions: twin show {twin.Name}), or set the alias first (twin promote {twin.Name} N --alias {aliasName})");
            var destination = result.GetValue(output)!.FullName;
            ExportDestination.Require(destination, result.GetValue(force));
            var kind = opened.Lifecycle.Export(chosen, destination);
            result.InvocationConfiguration.Output.WriteLine($"version {chosen.Number} of '{twin.Name}': {kind} written to {destination}");
            return ExitCodes.Success;
        });
        return command;
    }
}
