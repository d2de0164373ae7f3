using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Cli.Runs;
using Twinforge.Recipes;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary><c>twin create</c>, <c>twin update</c> and <c>twin retry</c>: the commands that train a version.</summary>
static class TwinTrainingCommands
{
    public static Command Create(Hub.HubSettings hub)
    {
        var name = new Argument<string>("name") { Description = "The twin's name, unique for its creator" };
        var creator = new Option<string>("--creator") { Description = "The creator the twin is of (consent must be recorded)", Required = true };
        var baseModel = new Option<string>("--base")
        {
            Description = "Base model: a Hugging Face model directory, 'builtin' for the built-in base at --size, or hf:ORG/NAME[@REVISION] from the Hub (registered pinned to its commit)",
            DefaultValueFactory = _ => Recipe.BuiltInBase,
        };
        var data = DataOption("The creator's training data for version 1 (chat JSONL, prompt/completion JSONL or text)");
        var heldOut = new Option<string[]>("--heldout")
        {
            Description = "The held-out data every version of the twin is judged on [default: hold out data_options.validation_fraction of --data]",
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnlyFiles("a data file", mustExist: true);
        var scope = ScopeOption();
        var seeds = SeedsOption();
        var recipe = new TwinRecipeArguments();
        var registry = new RegistryArguments();
        var evaluation = new EvaluationArguments();
        var (size, cache, plain) = (CommonOptions.Size(), CommonOptions.Cache(), CommonOptions.Plain());
        var command = new Command("create",
            "Create a twin of a creator and train its version 1. A twin whose every version failed is reused: this trains its next version.")
        {
            name, creator, baseModel, data, heldOut, scope, seeds,
        };
        recipe.AddTo(command);
        registry.AddTo(command);
        evaluation.AddTo(command, limits: false);
        foreach (var option in new Option[] { size, cache, plain }) command.Options.Add(option);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            using var opened = registry.Open(result);
            evaluation.Apply(result, opened.Lifecycle, CacheLocation.Resolve(result.GetValue(cache)), limits: false);
            var owner = opened.Creator(result.GetValue(creator)!);
            // Before anything is built or registered: a refused create leaves no records behind.
            opened.Lifecycle.CheckNewTwinName(owner.Id, result.GetValue(name)!);
            var trainingFiles = Files(result, data);
            var heldOutFiles = result.GetValue(heldOut) is { Length: > 0 } ? Files(result, heldOut) : null;
            var builtIn = result.GetValue(baseModel) == Recipe.BuiltInBase ? BuiltInModelSize.Parse(result.GetValue(size)!) : null;
            var fromHub = Hub.HubModelReference.IsHubReference(result.GetValue(baseModel))
                ? HubBaseModel.Get(hub, result.GetValue(baseModel)!, [], output, cancellationToken)
                : null;
            var basePath = builtIn is { } builtInSize
                ? BuiltInModels.EnsureBase(CacheLocation.Resolve(result.GetValue(cache)), builtInSize, display, cancellationToken)
                : fromHub?.Directory ?? Path.GetFullPath(result.GetValue(baseModel)!);
            var twinRecipe = recipe.Resolve(result, builtIn);
            // A Hub model is registered by its name at its commit, which the twin's lineage then shows.
            var baseName = builtIn is { } b ? $"builtin-{b.CacheKey}" : fromHub?.Pinned.ToString() ?? Path.GetFileName(basePath);
            var registeredBase = BaseModels.Register(opened.Registry, baseName, basePath);
            var training = opened.Lifecycle.Data.Register(owner.Id, trainingFiles, result.GetValue(scope)!);
            var held = heldOutFiles is null ? null : opened.Lifecycle.Data.Register(owner.Id, heldOutFiles, result.GetValue(scope)!);
            var existing = opened.Registry.ListTwins(owner.Id).FirstOrDefault(twin => twin.Name == result.GetValue(name));
            var outcome = display.RunVersion($"twin '{result.GetValue(name)}' version {(existing?.LatestVersion ?? 0) + 1}", onEvent =>
                opened.Lifecycle.CreateTwin(owner.Id, result.GetValue(name)!, registeredBase, training, held, twinRecipe, onEvent, cancellationToken, result.GetValue(seeds)));
            VersionPrinter.Outcome(output, opened.Registry.GetTwin(outcome.Version.TwinId), outcome);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public static Command Update()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var creator = CreatorOption();
        var data = DataOption("The new data (chat JSONL, prompt/completion JSONL or text)");
        var from = new Option<int?>("--from") { Description = "The version to continue from [default: the latest succeeded version]" };
        var promoteTo = new Option<string>("--promote-to") { Description = "An alias (e.g. production) to move to the new version if it beats its parent by --margin, beyond the noise of its held-out conversations (a paired bootstrap's 95% interval) [default: none]" };
        var margin = new Option<double>("--margin")
        {
            Description = "Least improvement of the fixed held-out loss (nats per token) for --promote-to; a negative margin tolerates that much regression", DefaultValueFactory = _ => 0.01,
        };
        var scope = ScopeOption();
        var seeds = SeedsOption();
        var mode = new Option<string>("--update-mode")
        {
            Description = "continue: from the parent version's weights on the new data, replaying some older data; refit: from the base on all the twin's data " +
                          "(recorded in the recipe, so later updates keep it) [default: the parent's recipe's: refit for twins created since update_mode exists, continue for older ones]",
        };
        mode.AcceptOnlyFromAmong("continue", "refit");
        var recipe = new TwinRecipeArguments();
        var registry = new RegistryArguments();
        var evaluation = new EvaluationArguments();
        var plain = CommonOptions.Plain();
        var command = new Command("update", "Train version N+1 from version N on new data, replaying older data, and record whether it is better.")
        {
            name, creator, data, from, promoteTo, margin, scope, seeds, mode,
        };
        recipe.AddTo(command);
        registry.AddTo(command);
        evaluation.AddTo(command, limits: true);
        command.Options.Add(plain);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            evaluation.Apply(result, opened.Lifecycle, CacheLocation.Resolve(null), limits: true);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            var parentNumber = result.GetValue(from) ?? opened.Registry.ListVersions(twin.Id).LastOrDefault(v => v.Status == VersionStatus.Succeeded)?.Number
                ?? throw new BadInputException($"twin '{twin.Name}' has no succeeded version to continue from");
            TwinRecipe? twinRecipe = null;
            if (recipe.Given(result))
            {
                // Over the parent's own recipe, so --set changes only what it names.
                var parent = opened.Registry.GetVersionByNumber(twin.Id, parentNumber);
                twinRecipe = recipe.ResolveOver(result, TwinRecipe.FromText(parent.RecipeText));
            }
            if (result.GetValue(mode) is string chosenMode)
                twinRecipe = (twinRecipe ?? TwinRecipe.FromText(opened.Registry.GetVersionByNumber(twin.Id, parentNumber).RecipeText)) with
                {
                    UpdateMode = TwinRecipe.ParseUpdateMode(chosenMode),
                };
            var newData = opened.Lifecycle.Data.Register(twin.CreatorId, Files(result, data), result.GetValue(scope)!);
            // The same content registers as the same dataset: say so when the parent already trained on all of it.
            if (opened.Registry.GetVersionByNumber(twin.Id, parentNumber).Datasets.Any(use => use.DatasetId == newData.Id && use.Role is DatasetUse.Train or DatasetUse.Replay))
                output.WriteLine($"note: this data is dataset {newData.Id}, which version {parentNumber} already trained on: the update brings nothing new");
            var policy = new UpdatePolicy
            {
                Recipe = twinRecipe, PromoteTo = result.GetValue(promoteTo), PromotionMargin = result.GetValue(margin), ExpectedLatestVersion = twin.LatestVersion,
                Seeds = result.GetValue(seeds),
            };
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            var outcome = display.RunVersion($"twin '{twin.Name}' version {twin.LatestVersion + 1}", onEvent =>
                opened.Lifecycle.Update(twin.Id, parentNumber, newData, policy, onEvent, cancellationToken));
            VersionPrinter.Outcome(output, twin, outcome);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    public static Command Retry()
    {
        var name = new Argument<string>("name") { Description = "The twin" };
        var version = new Option<int?>("--version") { Description = "The failed version to train again [default: the latest version, which must have failed]" };
        var creator = CreatorOption();
        var recipe = new TwinRecipeArguments();
        var registry = new RegistryArguments();
        var evaluation = new EvaluationArguments();
        var plain = CommonOptions.Plain();
        var command = new Command("retry",
            "Train a failed version again, as the twin's next version, from its record (base, data, parent, recipe); --recipe and --set change its recipe.")
        {
            name, version, creator,
        };
        recipe.AddTo(command);
        registry.AddTo(command);
        evaluation.AddTo(command, limits: false);
        command.Options.Add(plain);
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            using var opened = registry.Open(result);
            evaluation.Apply(result, opened.Lifecycle, CacheLocation.Resolve(null), limits: false);
            var twin = opened.Twin(result.GetValue(name)!, result.GetValue(creator));
            TwinRecipe? twinRecipe = null;
            if (recipe.Given(result) && twin.LatestVersion > 0)
            {
                var failed = opened.Registry.GetVersionByNumber(twin.Id, result.GetValue(version) ?? twin.LatestVersion);
                twinRecipe = recipe.ResolveOver(result, TwinRecipe.FromText(failed.RecipeText));
            }
            var display = TrainingDisplay.For(output, result.GetValue(plain));
            var outcome = display.RunVersion($"twin '{twin.Name}' version {twin.LatestVersion + 1}", onEvent =>
                opened.Lifecycle.Retry(twin.Id, result.GetValue(version), twinRecipe, onEvent, cancellationToken));
            VersionPrinter.Outcome(output, twin, outcome);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    static Option<int> SeedsOption() => new Option<int>("--seeds")
    {
        Description = "Train the recipe with this many seeds to measure its seed noise (the version keeps the first; the others are discarded); " +
                      "promotion then also needs an improvement beyond it",
        DefaultValueFactory = _ => 1,
    }.AtLeast(1);

    public static Option<string> CreatorOption() => new("--creator") { Description = "The twin's creator, when two creators have twins of that name [default: none]" };

    static Option<string[]> DataOption(string description) =>
        new Option<string[]>("--data") { Description = description, Required = true, AllowMultipleArgumentsPerToken = true }.AcceptOnlyFiles("a data file", mustExist: true);

    static Option<string> ScopeOption() => new("--scope")
    {
        Description = "The consent scope the data needs", DefaultValueFactory = _ => ConsentScopes.Text,
    };

    /// <summary>The files an option names, checked to be well-formed data before anything is registered from them.</summary>
    static IReadOnlyList<string> Files(ParseResult result, Option<string[]> option)
    {
        var files = result.GetValue(option)!.Select(Path.GetFullPath).ToList();
        DataValidation.RequireWellFormed(files);
        return files;
    }
}
