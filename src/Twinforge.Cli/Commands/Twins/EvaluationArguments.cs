using System.CommandLine;
using Twinforge.Cli.BuiltIn;
using Twinforge.Twins;
using Twinforge.Twins.Fidelity;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// <c>--no-evaluation</c> and the promotion limits of the commands that train a version: by default every version is
/// evaluated (fidelity, memorisation, forgetting) against the built-in sources, and promotion uses the figures.
/// </summary>
public sealed class EvaluationArguments
{
    public Option<bool> Skip { get; } = new("--no-evaluation")
    {
        Description = "Record no fidelity, memorisation and forgetting figures for the new version (faster; promotion then judges the held-out loss alone) [default: evaluated]",
    };

    public Option<double> MaxVerbatim { get; } = new("--max-verbatim")
    {
        Description = "Promote only if the share of its answers' word 8-grams found in its training answers exceeds the base's by at most this",
        DefaultValueFactory = _ => new EvaluationLimits().MaxVerbatimShareOverBase,
    };

    public Option<double> MaxExtraction { get; } = new("--max-extraction")
    {
        Description = "Promote only if the share of training answers it completes word for word from their first half exceeds the base's by at most this",
        DefaultValueFactory = _ => new EvaluationLimits().MaxExtractionRateOverBase,
    };

    public Option<double> MaxForgetting { get; } = new("--max-forgetting")
    {
        Description = "Promote only if its loss on general English is not above the base's by more than this (nats per token) beyond its noise",
        DefaultValueFactory = _ => new EvaluationLimits().MaxForgetting,
    };

    public Option<double> MaxExposure { get; } = new("--max-exposure")
    {
        Description = "Promote only if a canary its recipe planted (--plant-canary) has at most this many bits of exposure more than the base's",
        DefaultValueFactory = _ => new EvaluationLimits().MaxCanaryExposure,
    };

    /// <param name="limits">Whether the command promotes (and so takes the limits).</param>
    public void AddTo(Command command, bool limits)
    {
        command.Options.Add(Skip);
        if (!limits) return;
        command.Options.Add(MaxVerbatim);
        command.Options.Add(MaxExtraction);
        command.Options.Add(MaxForgetting);
        command.Options.Add(MaxExposure);
    }

    /// <summary>
    /// Sets what the lifecycle evaluates new versions against, read from <paramref name="cacheRoot"/> when a version is
    /// evaluated, and (with <paramref name="limits"/>, as added) the promotion limits.
    /// </summary>
    public void Apply(ParseResult result, TwinLifecycle lifecycle, string cacheRoot, bool limits)
    {
        lifecycle.Evaluation = result.GetValue(Skip) ? null : () => BuiltInEvaluationSources.Load(cacheRoot);
        if (!limits) return;
        var chosen = new EvaluationLimits(result.GetValue(MaxVerbatim), result.GetValue(MaxExtraction), result.GetValue(MaxForgetting), result.GetValue(MaxExposure));
        try
        {
            chosen.Validate();
        }
        catch (ArgumentException error)
        {
            throw new Engine.BadInputException(error.Message);
        }
        lifecycle.Limits = chosen;
    }
}
