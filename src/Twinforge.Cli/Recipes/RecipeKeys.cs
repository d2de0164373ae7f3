using Twinforge.Engine.Data;
using Twinforge.Engine.Training;
using static Twinforge.Cli.Recipes.RecipeValueTypes;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// The recipe schema as one explicit table: every key a recipe file or a command-line override may set, in the
/// order a written recipe lists them. Loading, overriding and writing all go through it.
/// </summary>
internal static class RecipeKeys
{
    /// <summary>Builds the keys of one section against that section's record.</summary>
    sealed class Section<TSection>(string name, Func<Recipe, TSection> get, Func<Recipe, TSection, Recipe> set)
    {
        public RecipeKey Key<T>(string key, RecipeValueType<T> type, Func<TSection, T> getValue, Func<TSection, T, TSection> setValue) =>
            RecipeKey.Create($"{name}.{key}", type, recipe => getValue(get(recipe)), (recipe, value) => set(recipe, setValue(get(recipe), value)));
    }

    static readonly Section<RecipeLora> Lora = new("lora", r => r.Lora, (r, s) => r with { Lora = s });
    static readonly Section<RecipeFreeze> Freeze = new("freeze", r => r.Freeze, (r, s) => r with { Freeze = s });
    static readonly Section<RecipeDataOptions> DataOptions = new("data_options", r => r.DataOptions, (r, s) => r with { DataOptions = s });
    static readonly Section<RecipeTraining> Training = new("training", r => r.Training, (r, s) => r with { Training = s });
    static readonly Section<RecipeRegularization> Regularization = new("regularization", r => r.Regularization, (r, s) => r with { Regularization = s });
    static readonly Section<RecipeEarlyStopping> EarlyStopping = new("early_stopping", r => r.EarlyStopping, (r, s) => r with { EarlyStopping = s });
    static readonly Section<RecipeCheckpoints> Checkpoints = new("checkpoints", r => r.Checkpoints, (r, s) => r with { Checkpoints = s });

    public static readonly IReadOnlyList<RecipeKey> All =
    [
        RecipeKey.Create("base", BaseModel, r => r.Base, (r, v) => r with { Base = v }),
        RecipeKey.Create("data", PathList, r => r.Data, (r, v) => r with { Data = v }),
        RecipeKey.Create("validation", OptionalPath, r => r.Validation, (r, v) => r with { Validation = v }),
        RecipeKey.Create("output", OptionalPath, r => r.Output, (r, v) => r with { Output = v }),
        RecipeKey.Create("method", Enum<FineTuningMethod>(), r => r.Method, (r, v) => r with { Method = v }),
        RecipeKey.Create("initial_adapter", OptionalPath, r => r.InitialAdapter, (r, v) => r with { InitialAdapter = v }),
        RecipeKey.Create("save_merged_model", Flag, r => r.SaveMergedModel, (r, v) => r with { SaveMergedModel = v }),

        Lora.Key("rank", Integer, s => s.Rank, (s, v) => s with { Rank = v }),
        Lora.Key("alpha", Number, s => s.Alpha, (s, v) => s with { Alpha = v }),
        Lora.Key("dropout", Number, s => s.Dropout, (s, v) => s with { Dropout = v }),
        Lora.Key("target_modules", TextList, s => s.TargetModules, (s, v) => s with { TargetModules = v }),
        Lora.Key("target_pattern", OptionalText, s => s.TargetPattern, (s, v) => s with { TargetPattern = v }),
        Lora.Key("use_rslora", Flag, s => s.UseRsLora, (s, v) => s with { UseRsLora = v }),

        Freeze.Key("embeddings", Flag, s => s.Embeddings, (s, v) => s with { Embeddings = v }),
        Freeze.Key("layers", Integer, s => s.Layers, (s, v) => s with { Layers = v }),

        DataOptions.Key("sequence_length", Integer, s => s.SequenceLength, (s, v) => s with { SequenceLength = v }),
        DataOptions.Key("packing", Flag, s => s.Packing, (s, v) => s with { Packing = v }),
        DataOptions.Key("validation_fraction", Number, s => s.ValidationFraction, (s, v) => s with { ValidationFraction = v }),
        DataOptions.Key("seed", LongInteger, s => s.Seed, (s, v) => s with { Seed = v }),
        DataOptions.Key("format", Enum<DatasetFormat>(), s => s.Format, (s, v) => s with { Format = v }),
        DataOptions.Key("overlong", Enum<OverlongPolicy>(), s => s.Overlong, (s, v) => s with { Overlong = v }),
        DataOptions.Key("max_dropped_fraction", Number, s => s.MaxDroppedFraction, (s, v) => s with { MaxDroppedFraction = v }),
        DataOptions.Key("plain_text_separator", OptionalText, s => s.PlainTextSeparator, (s, v) => s with { PlainTextSeparator = v }),

        Training.Key("epochs", Integer, s => s.Epochs, (s, v) => s with { Epochs = v }),
        Training.Key("max_steps", OptionalInteger, s => s.MaxSteps, (s, v) => s with { MaxSteps = v }),
        Training.Key("batch_size", Integer, s => s.BatchSize, (s, v) => s with { BatchSize = v }),
        Training.Key("gradient_accumulation_steps", Integer, s => s.GradientAccumulationSteps, (s, v) => s with { GradientAccumulationSteps = v }),
        Training.Key("learning_rate", Number, s => s.LearningRate, (s, v) => s with { LearningRate = v }),
        Training.Key("schedule", Enum<ScheduleShape>(), s => s.Schedule, (s, v) => s with { Schedule = v }),
        Training.Key("warmup_steps", OptionalInteger, s => s.WarmupSteps, (s, v) => s with { WarmupSteps = v }),
        Training.Key("min_learning_rate_ratio", Number, s => s.MinLearningRateRatio, (s, v) => s with { MinLearningRateRatio = v }),
        Training.Key("weight_decay", Number, s => s.WeightDecay, (s, v) => s with { WeightDecay = v }),
        Training.Key("adam_beta1", Number, s => s.AdamBeta1, (s, v) => s with { AdamBeta1 = v }),
        Training.Key("adam_beta2", Number, s => s.AdamBeta2, (s, v) => s with { AdamBeta2 = v }),
        Training.Key("adam_epsilon", Number, s => s.AdamEpsilon, (s, v) => s with { AdamEpsilon = v }),
        Training.Key("max_gradient_norm", Number, s => s.MaxGradientNorm, (s, v) => s with { MaxGradientNorm = v }),
        Training.Key("precision", Enum<TrainingPrecision>(), s => s.Precision, (s, v) => s with { Precision = v }),
        Training.Key("activation_checkpointing", Flag, s => s.ActivationCheckpointing, (s, v) => s with { ActivationCheckpointing = v }),
        Training.Key("seed", LongInteger, s => s.Seed, (s, v) => s with { Seed = v }),
        Training.Key("max_consecutive_non_finite_steps", Integer, s => s.MaxConsecutiveNonFiniteSteps, (s, v) => s with { MaxConsecutiveNonFiniteSteps = v }),

        Regularization.Key("dropout", OptionalNumber, s => s.Dropout, (s, v) => s with { Dropout = v }),
        Regularization.Key("l2_sp", Number, s => s.L2Sp, (s, v) => s with { L2Sp = v }),
        Regularization.Key("replay_file", OptionalPath, s => s.ReplayFile, (s, v) => s with { ReplayFile = v }),
        Regularization.Key("replay_fraction", Number, s => s.ReplayFraction, (s, v) => s with { ReplayFraction = v }),

        EarlyStopping.Key("evaluate_every_steps", Integer, s => s.EvaluateEverySteps, (s, v) => s with { EvaluateEverySteps = v }),
        EarlyStopping.Key("patience", OptionalInteger, s => s.Patience, (s, v) => s with { Patience = v }),
        EarlyStopping.Key("min_improvement", Number, s => s.MinImprovement, (s, v) => s with { MinImprovement = v }),
        EarlyStopping.Key("restore_best", Flag, s => s.RestoreBest, (s, v) => s with { RestoreBest = v }),

        Checkpoints.Key("every_steps", Integer, s => s.EverySteps, (s, v) => s with { EverySteps = v }),
        Checkpoints.Key("keep_last", Integer, s => s.KeepLast, (s, v) => s with { KeepLast = v }),
    ];

    static readonly Dictionary<string, RecipeKey> ByPath = All.ToDictionary(key => key.Path);

    static readonly HashSet<string> Sections = All.Select(key => key.Section).OfType<string>().ToHashSet();

    public static RecipeKey? Find(string path) => ByPath.GetValueOrDefault(path);

    public static bool IsSection(string path) => Sections.Contains(path);

    /// <summary>
    /// Why <paramref name="path"/> is not a key, with the nearest known key: a sibling within a few edits
    /// (<c>training.learnig_rate</c>), else a key of the same name in another section (<c>learning_rate</c> at the top).
    /// </summary>
    public static string DescribeUnknown(string path)
    {
        if (IsSection(path)) return $"'{path}' is a section: set one of its keys, e.g. '{All.First(key => key.Section == path).Path}'";
        var dot = path.LastIndexOf('.');
        var section = dot < 0 ? null : path[..dot];
        var name = path[(dot + 1)..];
        if (section is not null && !IsSection(section))
            return Nearest(section, Sections) is { } nearestSection
                ? $"unknown section '{section}'; did you mean '{nearestSection}'?"
                : $"unknown section '{section}'; the sections are {string.Join(", ", Sections)}";

        var siblings = All.Where(key => key.Section == section).Select(key => key.Name)
            .Concat(section is null ? Sections : []).ToList();
        var nearest = Nearest(name, siblings) is { } sibling
            ? (section is null ? sibling : $"{section}.{sibling}")
            : All.FirstOrDefault(key => key.Name == name)?.Path;
        return nearest is not null
            ? $"unknown key; did you mean '{nearest}'?"
            : $"unknown key; the keys here are {string.Join(", ", siblings)}";
    }

    /// <summary>The candidate a few edits from <paramref name="name"/> (a typo, not a different word), if any.</summary>
    static string? Nearest(string name, IEnumerable<string> candidates) => candidates
        .Select(candidate => (Candidate: candidate, Distance: EditDistance(name, candidate)))
        .Where(candidate => candidate.Distance <= Math.Max(2, name.Length / 4))
        .OrderBy(candidate => candidate.Distance)
        .Select(candidate => candidate.Candidate)
        .FirstOrDefault();

    /// <summary>Levenshtein distance, ignoring case.</summary>
    static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
