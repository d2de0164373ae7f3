using System.Text.RegularExpressions;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Lora;

/// <summary>
/// The settings of a LoRA adapter, as in PEFT's <c>LoraConfig</c>: rank r, alpha, dropout on the adapter's input, and
/// which projections get one. ΔW = scaling · B·A with scaling = alpha / r, or alpha / √r with rsLoRA.
/// </summary>
/// <example><code>var config = new LoraConfig { Rank = 16, Alpha = 32, TargetModules = ["q_proj", "v_proj"] };</code></example>
public sealed record LoraConfig
{
    /// <summary>The rank r of the factors A (r, in) and B (out, r).</summary>
    [RecipeKey("lora.rank")] public int Rank { get; init; } = 8;

    /// <summary>PEFT's <c>lora_alpha</c>.</summary>
    [RecipeKey("lora.alpha")] public double Alpha { get; init; } = 16;

    /// <summary>Dropout probability applied to the adapter's input, in training mode only.</summary>
    [RecipeKey("lora.dropout")] public double Dropout { get; init; }

    /// <summary>
    /// Module-name suffixes, matched as PEFT matches a list: a module is targeted when its full name equals an entry
    /// or ends with "." + entry (so <c>c_proj</c> selects GPT-2's attention and MLP output projections).
    /// </summary>
    /// <remarks>Kept as an <see cref="EquatableList{T}"/>, so configs compare by their targets' names.</remarks>
    [RecipeKey("lora.target_modules")]
    public IReadOnlyList<string> TargetModules
    {
        get;
        init => field = value is null or EquatableList<string> ? value! : new EquatableList<string>(value);
    } = new EquatableList<string>([]);

    /// <summary>
    /// A regular expression that must match the whole module name — PEFT's <c>target_modules</c> given as a string,
    /// which PEFT applies with <c>re.fullmatch</c>. Used instead of <see cref="TargetModules"/>.
    /// </summary>
    [RecipeKey("lora.target_pattern")] public string? TargetPattern { get; init; }

    /// <summary>Rank-stabilised LoRA (Kalajdzievski 2023): scaling alpha / √r instead of alpha / r.</summary>
    [RecipeKey("lora.use_rslora")] public bool UseRsLora { get; init; }

    /// <summary>The factor ΔW = scaling · B·A is multiplied by.</summary>
    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>The targets in words, for messages: the list or the pattern.</summary>
    public string TargetsDescription => TargetPattern is not null
        ? $"target pattern \"{TargetPattern}\""
        : $"target modules [{string.Join(", ", TargetModules)}]";

    /// <summary>True when modules or a pattern are named; otherwise <see cref="ForFamily"/> gives the family's defaults.</summary>
    public bool NamesTargets => TargetPattern is not null || TargetModules.Count > 0;

    /// <summary>
    /// This config ready to apply to a model of <paramref name="family"/>: unchanged when it names its targets, with
    /// <see cref="DefaultTargets"/> when it names none (as a recipe that leaves <c>lora.target_modules</c> empty means).
    /// </summary>
    public LoraConfig ForFamily(ModelFamily family) => NamesTargets ? this : this with { TargetModules = DefaultTargets(family) };

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first setting that is out of range, or when no targets are
    /// named (a config is applied after <see cref="ForFamily"/>).
    /// </summary>
    public void Validate()
    {
        if (FindProblems() is [var first, ..]) throw first;
        if (!NamesTargets)
            throw new ArgumentException("no LoRA target modules: give module names such as [\"q_proj\", \"v_proj\"] or a target pattern",
                nameof(TargetModules));
    }

    /// <summary>
    /// Every setting out of range, each as the <see cref="ArgumentException"/> <see cref="Validate"/> throws for the
    /// first (its ParamName is the property's name); empty when all are valid. Naming no targets is not a problem
    /// here: the family's defaults are then used. For reporting every problem at once.
    /// </summary>
    public IReadOnlyList<ArgumentException> FindProblems()
    {
        ArgumentNullException.ThrowIfNull(TargetModules, nameof(TargetModules));
        var problems = new List<ArgumentException>();
        if (Rank < 1) problems.Add(new ArgumentException($"LoRA rank must be at least 1, got {Rank}", nameof(Rank)));
        if (!double.IsFinite(Alpha) || Alpha <= 0)
            problems.Add(new ArgumentException($"LoRA alpha must be a positive number, got {Alpha}", nameof(Alpha)));
        if (!(Dropout >= 0 && Dropout < 1))
            problems.Add(new ArgumentException($"LoRA dropout must be in [0, 1), got {Dropout}", nameof(Dropout)));
        if (TargetPattern is not null)
        {
            if (TargetModules.Count > 0)
                problems.Add(new ArgumentException(
                    "give either target modules or a target pattern, not both (PEFT's target_modules is a list or a string)",
                    nameof(TargetPattern)));
            else if (string.IsNullOrWhiteSpace(TargetPattern))
                problems.Add(new ArgumentException("the LoRA target pattern is empty", nameof(TargetPattern)));
            else
            {
                try
                {
                    _ = new Regex(TargetPattern);
                }
                catch (ArgumentException e)
                {
                    problems.Add(new ArgumentException($"the LoRA target pattern \"{TargetPattern}\" is not a valid regular expression: {e.Message}",
                        nameof(TargetPattern), e));
                }
            }
            return problems;
        }
        foreach (var target in TargetModules)
            if (string.IsNullOrWhiteSpace(target) || target.StartsWith('.') || target.EndsWith('.'))
                problems.Add(new ArgumentException($"invalid LoRA target module \"{target}\": expected a module name or a dotted suffix of one",
                    nameof(TargetModules)));
        return problems;
    }

    /// <summary>True when the module of full name <paramref name="moduleName"/> gets an adapter.</summary>
    public bool Matches(string moduleName)
    {
        // PEFT, check_target_module_exists: re.fullmatch(pattern, key) for a string; otherwise
        // key == target or key.endswith("." + target) for each target.
        if (TargetPattern is not null) return Regex.IsMatch(moduleName, $@"\A(?:{TargetPattern})\z");
        return TargetModules.Any(target => moduleName == target || moduleName.EndsWith("." + target, StringComparison.Ordinal));
    }

    /// <summary>
    /// Every linear layer of the blocks: GPT-2's c_attn, c_proj (attention and MLP) and c_fc; Llama's q/k/v/o and
    /// gate/up/down projections. The output head is left out, as PEFT's "all-linear" does.
    /// </summary>
    public static IReadOnlyList<string> DefaultTargets(ModelFamily family) => family switch
    {
        ModelFamily.Gpt2 => ["c_attn", "c_proj", "c_fc"],
        ModelFamily.Llama => ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown model family"),
    };
}
