using System.Globalization;
using Twinforge.Engine.Checkpoints;
using static TorchSharp.torch;

namespace Twinforge.Engine.Training;

/// <summary>
/// A run's checkpoints: <c>checkpoints/step-000120/</c> directories holding the trainable weights, the optimizer
/// state and <see cref="TrainerState"/>. Each is written into a temporary directory and renamed into place once
/// complete, so a kill at any moment leaves either the whole checkpoint or none of it; older ones are pruned only
/// after a newer one is complete.
/// </summary>
public sealed class CheckpointStore
{
    public const string DirectoryName = "checkpoints";
    public const string WeightsFileName = "trainable.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    const string Prefix = "step-";
    const string TemporaryPrefix = ".incomplete-";

    public CheckpointStore(string runDirectory, int keepLast)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        Root = Path.Combine(runDirectory, DirectoryName);
        KeepLast = keepLast;
    }

    public string Root { get; }

    public int KeepLast { get; }

    /// <summary>Complete checkpoints, oldest first.</summary>
    public IReadOnlyList<(int Step, string Directory)> List()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.GetDirectories(Root, Prefix + "*")
            .Select(directory => (Step: ParseStep(Path.GetFileName(directory)), Directory: directory))
            .Where(entry => entry.Step >= 0 && File.Exists(Path.Combine(entry.Directory, TrainerState.FileName)))
            .OrderBy(entry => entry.Step)
            .ToList();
    }

    /// <summary>The newest complete checkpoint's directory, or null.</summary>
    public string? Latest => List() is { Count: > 0 } all ? all[^1].Directory : null;

    /// <summary>Writes a checkpoint atomically, then prunes beyond <see cref="KeepLast"/>; returns its directory.</summary>
    public string Save(TrainerState state, IEnumerable<KeyValuePair<string, Tensor>> weights,
        IEnumerable<KeyValuePair<string, Tensor>> optimizerState)
    {
        Directory.CreateDirectory(Root);
        RemoveIncomplete();
        var final = Path.Combine(Root, Prefix + state.Progress.Step.ToString("D6", CultureInfo.InvariantCulture));
        if (Directory.Exists(final))
        {
            // The same step saved again (a run that ends, or is cancelled, right after a periodic checkpoint): its
            // tensors are the ones already there, so replacing each file atomically, the state last, never leaves
            // the step without a complete checkpoint.
            SafetensorsWriter.Write(Path.Combine(final, WeightsFileName), weights);
            SafetensorsWriter.Write(Path.Combine(final, OptimizerFileName), optimizerState);
            state.Save(Path.Combine(final, TrainerState.FileName));
            return final;
        }
        var temporary = Path.Combine(Root, TemporaryPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temporary);
        SafetensorsWriter.Write(Path.Combine(temporary, WeightsFileName), weights);
        SafetensorsWriter.Write(Path.Combine(temporary, OptimizerFileName), optimizerState);
        state.Save(Path.Combine(temporary, TrainerState.FileName)); // last: its presence marks the checkpoint complete
        Directory.Move(temporary, final);
        Prune();
        return final;
    }

    void Prune()
    {
        var all = List();
        foreach (var (_, directory) in all.Take(Math.Max(0, all.Count - KeepLast)))
            Directory.Delete(directory, recursive: true);
    }

    /// <summary>Temporary directories of checkpoints a killed run did not finish.</summary>
    void RemoveIncomplete()
    {
        foreach (var directory in Directory.GetDirectories(Root, TemporaryPrefix + "*"))
            Directory.Delete(directory, recursive: true);
    }

    static int ParseStep(string name) =>
        int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : -1;
}
