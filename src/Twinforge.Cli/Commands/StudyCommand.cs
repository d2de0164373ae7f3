using System.CommandLine;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.Progress;
using Twinforge.Recipes;
using Twinforge.Cli.Runs;
using Twinforge.Cli.Study;
using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge study data-efficiency</c>: fine-tuning against training from scratch on growing shares of a creator's
/// data, judged on the same held-out data, with the data multiple. Defaults to the built-in base and persona; a recipe
/// sets the fine-tuned runs (the from-scratch runs use it with method from_scratch).
/// </summary>
public static class StudyCommand
{
    const int DefaultBudget = 150;

    public static Command Create()
    {
        var line = new RecipeCommandLine("The creator's training conversations, one chat JSONL file", dataDefault: "the built-in persona");
        line.Typed("--base", "base", "Base model directory, or 'builtin' [default: builtin]");
        line.Typed("--validation", "validation", "Held-out conversations every run is judged on [default: the built-in persona's; required with --data]");
        line.Typed("--output", "output", "Where the study writes its runs, table, plot and report.html [default: runs/study]");
        line.Typed("--method", "method", "How the fine-tuned runs train: lora or full [default: lora]");
        var maxSteps = new Option<int?>("--max-steps")
        {
            Description = $"Update budget of every run, with early stopping; evaluates every tenth of it [recipe key: training.max_steps; default: {DefaultBudget}]",
        };
        var fractions = new Option<string>("--fractions") { Description = "Shares of the data, comma-separated", DefaultValueFactory = _ => "0.01,0.03,0.1,0.3,1" };
        var persona = new Option<string>("--persona")
        {
            Description = "The built-in creator when --data is not given: bofh (the demo's persona, 408 conversations), bierce, jargon, or vim " +
                          "(Vim's help, 5,700 conversations: enough text for training from scratch to catch up)",
            DefaultValueFactory = _ => "bofh",
        };
        persona.AcceptOnlyFromAmong("bofh", "bierce", "jargon", "vim");
        var noJudge = new Option<bool>("--no-judge")
        {
            Description = "Skip the stylometric judge (the built-in creator's answers at each share attributed to the creator or to other authors) [default: judged]",
        };
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var dataEfficiency = new Command("data-efficiency", "Fine-tune vs train from scratch on growing shares of the data; report the curve and how much more data scratch needs.");
        foreach (var option in line.Options.Concat([maxSteps, fractions, persona, noJudge, size, cache, plain])) dataEfficiency.Options.Add(option);
        dataEfficiency.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var shares = ParseFractions(result.GetValue(fractions)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var plan = DemoPlan.For(modelSize);
            var defaults = RecipeMapper.ToRecipe(Budgeted(plan.Twin(validationFile: "")), Recipe.BuiltInBase, [], Path.GetFullPath(Path.Combine("runs", "study")));
            // No validation until the data is known, and the base's family's own LoRA targets (the plan names Llama's).
            defaults = defaults.With(o => o with { Data = o.Data with { ValidationFile = null }, Lora = o.Lora! with { TargetModules = [] } });
            var recipe = line.Effective(result, defaults, beforeSet: recipe => result.GetValue(maxSteps) is int budget
                ? recipe.With(o => o with { Training = o.Training with { MaxSteps = budget, EvaluateEverySteps = Math.Max(1, budget / 10) } })
                : recipe);
            if (recipe.Options.Method == FineTuningMethod.FromScratch)
                throw new RecipeException("method", "the study compares fine-tuning with training from scratch: use lora or full for the fine-tuned runs");

            var root = Path.GetFullPath(RecipeMapper.OutputDirectory(recipe));
            var guard = new RunDirectoryGuard([DataEfficiencyStudy.ResultsFileName, DataEfficiencyStudy.RunsDirectoryName],
                [DataEfficiencyStudy.ResultsFileName, DataEfficiencyStudy.RunsDirectoryName, DataEfficiencyStudy.TableFileName, DataEfficiencyStudy.PlotFileName,
                    DataEfficiencyStudy.AttributionPlotFileName, DataEfficiencyStudy.DataDirectoryName, Reporting.RunReport.FileName]);
            bool force = line.ForceRequested(result);
            guard.Check(root, line.ResumeRequested(result), force);
            string training, held;
            if (recipe.Data.Count > 0)
            {
                training = recipe.Data.Count == 1 ? recipe.Data[0] : throw new RecipeException("data", "the study takes shares of one chat JSONL file: give exactly one");
                held = recipe.Validation ?? throw new RecipeException("validation", "a held-out file is required with --data: every run is judged on the same held-out data");
            }
            else
            {
                var personas = new BuiltInPersonas(cacheRoot);
                var chosen = result.GetValue(persona) == "vim" ? personas.Vim() : personas.All().Single(p => p.Name == result.GetValue(persona));
                (training, held) = (chosen.Training, chosen.Validation);
            }
            var display = TrainingDisplay.For(console, result.GetValue(plain));
            var basePath = RecipeMapper.UsesBuiltInBase(recipe)
                ? BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken)
                : Path.GetFullPath(RecipeMapper.BaseModel(recipe));
            _ = RecipeMapper.ToFineTuningOptions(recipe.With(o => o with { Data = o.Data with { ValidationFile = held } })); // every setting checked before anything is replaced

            guard.ReplaceIfForced(root, force);
            Directory.CreateDirectory(root);
            console.WriteLine($"Data-efficiency study: base {basePath}, data {training}, held out {held}, shares {string.Join(", ", shares)}, " +
                              $"{recipe.Options.Training.MaxSteps?.ToString(CultureInfo.InvariantCulture) ?? "epoch-limited"} updates per run.");
            // The built-in creators are judged against the built-in other authors (the Debian collections twin evaluate uses).
            var judge = recipe.Data.Count == 0 && !result.GetValue(noJudge) ? BuiltInEvaluationSources.Load(cacheRoot) : null;
            var study = new DataEfficiencyStudy(basePath, training, held, root, judge);
            var points = study.Run(shares, recipe, (title, work) => display.Run(title, work), console, cancellationToken);
            console.WriteLine();
            console.Write(DataEfficiencyStudy.Table(points, DataEfficiencyStudy.Multiples(points)));
            console.WriteLine($"Results: {Path.Combine(root, DataEfficiencyStudy.ResultsFileName)}, plot: {Path.Combine(root, DataEfficiencyStudy.PlotFileName)}, " +
                              $"report: {Path.Combine(root, Reporting.RunReport.FileName)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return new Command("study", "Studies that measure what fine-tuning buys.") { dataEfficiency, Hyperparameters() };
    }

    /// <summary>
    /// <c>twinforge study hyperparameters</c>: <c>training: auto</c> against the twin's fixed default settings on the
    /// built-in personas at several shares of their data, each judged on the persona's held-out file.
    /// </summary>
    static Command Hyperparameters()
    {
        var personas = new Option<string>("--personas") { Description = "Built-in personas, comma-separated: bofh, bierce, jargon", DefaultValueFactory = _ => "bofh,bierce,jargon" };
        var fractions = new Option<string>("--fractions") { Description = "Shares of each persona's data, comma-separated", DefaultValueFactory = _ => "0.01,0.1,1" };
        var output = new Option<string>("--output") { Description = "Where the study writes its runs, table and report.html (run again to resume)", DefaultValueFactory = _ => Path.Combine("runs", "study-auto") };
        var size = CommonOptions.Size();
        var cache = CommonOptions.Cache();
        var plain = CommonOptions.Plain();
        var command = new Command("hyperparameters", "training: auto (a budgeted search over learning rate, epochs, LoRA rank and full fine-tuning) against the fixed default settings, on the built-in personas.")
        {
            personas, fractions, output, size, cache, plain,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var shares = ParseFractions(result.GetValue(fractions)!);
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var modelSize = BuiltInModelSize.Parse(result.GetValue(size)!);
            var known = new BuiltInPersonas(cacheRoot);
            var wanted = result.GetValue(personas)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = wanted.Where(name => name is not ("bofh" or "bierce" or "jargon")).ToList();
            if (unknown.Count > 0 || wanted.Length == 0)
                throw new BadInputException($"--personas: {(unknown.Count > 0 ? $"'{unknown[0]}' is not a built-in persona" : "give at least one")} (bofh, bierce, jargon)");
            var chosen = known.All().Where(persona => wanted.Contains(persona.Name)).ToList();
            var display = TrainingDisplay.For(console, result.GetValue(plain));
            var basePath = BuiltInModels.EnsureBase(cacheRoot, modelSize, display, cancellationToken);
            var plan = DemoPlan.For(modelSize);
            var settings = plan.Twin(validationFile: "");
            settings = settings with { Lora = settings.Lora! with { TargetModules = [] } };
            var root = Path.GetFullPath(result.GetValue(output)!);
            Directory.CreateDirectory(root);
            console.WriteLine($"training: auto against the fixed settings: base {basePath}, personas {string.Join(", ", chosen.Select(p => p.Name))}, shares {string.Join(", ", shares)}.");
            var points = new HyperparameterStudy(basePath, root).Run(chosen, shares, settings, (title, work) => display.Run(title, work), console, cancellationToken);
            console.WriteLine();
            console.Write(HyperparameterStudy.Table(points));
            console.WriteLine($"Results: {Path.Combine(root, HyperparameterStudy.ResultsFileName)}, report: {Path.Combine(root, Reporting.RunReport.FileName)}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>Every run gets the same update budget, stopped early on the held-out data.</summary>
    static FineTuningOptions Budgeted(FineTuningOptions options) => options with
    {
        Training = options.Training with { Epochs = 1000, MaxSteps = DefaultBudget, EvaluateEverySteps = DefaultBudget / 10 },
    };

    static IReadOnlyList<double> ParseFractions(string text)
    {
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0 && value <= 1))
                throw new BadInputException($"--fractions: '{part}' is not a share in (0, 1]");
            values.Add(value);
        }
        return values.Count > 0 ? values.Distinct().ToList() : throw new BadInputException("--fractions: give at least one share");
    }
}
