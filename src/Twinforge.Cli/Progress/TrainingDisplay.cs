using Spectre.Console;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Progress;

/// <summary>
/// Chooses how a run's progress is shown: a live bar on an interactive terminal, plain log lines otherwise (CI,
/// pipes, files, tests, or <c>--plain</c>).
/// </summary>
public sealed class TrainingDisplay(TextWriter output, bool live)
{
    public TextWriter Output { get; } = output;

    public bool Live { get; } = live;

    /// <summary>Live when writing to the real console of an interactive terminal and CI is not set.</summary>
    public static TrainingDisplay For(TextWriter output, bool forcePlain) =>
        new(output, !forcePlain && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
                    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) && AnsiConsole.Profile.Capabilities.Interactive);

    /// <summary>Runs <paramref name="work"/>, showing every event it publishes.</summary>
    public T Run<T>(string title, Func<Action<TrainingEvent>, T> work)
    {
        if (Live) return LiveTrainingView.Run(AnsiConsole.Console, title, work);
        var view = new PlainTrainingView(Output, title);
        return work(view.Publish);
    }

    /// <summary>
    /// As <see cref="Run"/> for a twin version, which trains in a scratch directory the command deletes when it is done:
    /// its checkpoints are no one's to resume, so where they were saved is not shown.
    /// </summary>
    public T RunVersion<T>(string title, Func<Action<TrainingEvent>, T> work) =>
        Run(title, onEvent => work(trainingEvent => { if (trainingEvent is not CheckpointSaved) onEvent(trainingEvent); }));
}
