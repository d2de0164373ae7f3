using Twinforge.Engine;
using Twinforge.Engine.Checkpoints;
using Twinforge.Voice.Model;
using static TorchSharp.torch;

namespace Twinforge.Voice.Training;

/// <summary>
/// A creator's voice on a frozen foundation: its speaker vector and the decoder's conditional-norm projections as
/// adapted to it (about 100 k numbers, a few hundred kilobytes). Everything derived from the creator's recordings is
/// in here, so deleting it deletes the voice; the foundation is shared by every voice and never changed.
/// </summary>
public sealed class VoiceAdapter : IDisposable
{
    public const string WeightsFileName = "voice_adapter.safetensors";
    const string SpeakerName = "speaker";

    VoiceAdapter(Tensor speaker, Dictionary<string, Tensor> norms)
    {
        Speaker = speaker;
        Norms = norms;
    }

    /// <summary>The speaker vector [speaker size].</summary>
    public Tensor Speaker { get; }

    /// <summary>The conditional norms' parameters, by their name in the model.</summary>
    public IReadOnlyDictionary<string, Tensor> Norms { get; }

    /// <summary>The model's conditional-norm parameters, by name.</summary>
    public static IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> NormParameters(AcousticModel model) =>
        [.. model.named_parameters().Where(p => p.name.Contains(".conditional", StringComparison.Ordinal)).Select(p => (p.name, p.parameter))];

    /// <summary>Copies of the model's current conditional norms and <paramref name="speaker"/>.</summary>
    public static VoiceAdapter Capture(AcousticModel model, Tensor speaker)
    {
        using var _ = no_grad();
        return new VoiceAdapter(speaker.detach().clone(), NormParameters(model).ToDictionary(p => p.Name, p => p.Parameter.detach().clone()));
    }

    /// <summary>Puts this voice's norms into the model (every voice's synthesis starts with this).</summary>
    public void ApplyTo(AcousticModel model)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in NormParameters(model)) parameter.copy_(Norms[name]);
    }

    public void Save(string path) =>
        SafetensorsWriter.Write(path, Norms.Append(new KeyValuePair<string, Tensor>(SpeakerName, Speaker)));

    /// <exception cref="InputFileException">The file lacks a tensor the model's norms need.</exception>
    public static VoiceAdapter Load(string path, AcousticModel model)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var name in NormParameters(model).Select(p => p.Name).Append(SpeakerName))
            if (!file.Contains(name)) throw new InputFileException(path, "is not a voice adapter of this foundation", item: name);
        return new VoiceAdapter(file.ReadTensor(SpeakerName), NormParameters(model).ToDictionary(p => p.Name, p => file.ReadTensor(p.Name)));
    }

    public void Dispose()
    {
        Speaker.Dispose();
        foreach (var tensor in Norms.Values) tensor.Dispose();
    }
}
