using Twinforge.Engine;
using Twinforge.Engine.Checkpoints;
using Twinforge.Voice.Model;
using static TorchSharp.torch;

namespace Twinforge.Voice.Training;

/// <summary>
/// A creator's voice on a frozen foundation: its speaker vector, the decoder's conditional-norm projections as adapted
/// to it, and low-rank updates of the model's layers (<see cref="LowRankUpdate"/>; none in a voice adapted without
/// them) — a few hundred thousand numbers, a megabyte or so. Everything derived from the creator's recordings is in
/// here, so deleting it deletes the voice; the foundation is shared by every voice and never changed.
/// </summary>
public sealed class VoiceAdapter : IDisposable
{
    public const string WeightsFileName = "voice_adapter.safetensors";
    const string SpeakerName = "speaker";
    const string AName = ".lora_A", BName = ".lora_B";

    VoiceAdapter(Tensor speaker, Dictionary<string, Tensor> norms, Dictionary<string, LowRankUpdate> updates)
    {
        Speaker = speaker;
        Norms = norms;
        Updates = updates;
    }

    /// <summary>The speaker vector [speaker size].</summary>
    public Tensor Speaker { get; }

    /// <summary>The conditional norms' parameters, by their name in the model.</summary>
    public IReadOnlyDictionary<string, Tensor> Norms { get; }

    /// <summary>The layers' low-rank updates, by the layer's name in the model (empty: the layers as pre-trained).</summary>
    public IReadOnlyDictionary<string, LowRankUpdate> Updates { get; }

    /// <summary>The rank of the layers' updates, 0 without them.</summary>
    public int Rank => Updates.Values.Select(update => update.Rank).DefaultIfEmpty(0).Max();

    /// <summary>Numbers in the adapter: what the creator's recordings became.</summary>
    public long Size => Speaker.numel() + Norms.Values.Sum(t => t.numel()) + Updates.Values.Sum(u => u.A.numel() + u.B.numel());

    /// <summary>The model's conditional-norm parameters, by name.</summary>
    public static IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> NormParameters(AcousticModel model) =>
        [.. model.named_parameters().Where(p => p.name.Contains(".conditional", StringComparison.Ordinal)).Select(p => (p.name, p.parameter))];

    /// <summary>Copies of the model's current conditional norms and layer updates, and <paramref name="speaker"/>.</summary>
    public static VoiceAdapter Capture(AcousticModel model, Tensor speaker)
    {
        using var _ = no_grad();
        return new VoiceAdapter(speaker.detach().clone(), NormParameters(model).ToDictionary(p => p.Name, p => p.Parameter.detach().clone()),
            model.AdaptableLayers.Where(l => l.Layer.Update is not null).ToDictionary(l => l.Name, l => l.Layer.Update!.Clone()));
    }

    /// <summary>Puts this voice's norms and layer updates into the model (every voice's synthesis starts with this); a layer this voice does not update has none.</summary>
    public void ApplyTo(AcousticModel model)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in NormParameters(model)) parameter.copy_(Norms[name]);
        foreach (var (name, layer) in model.AdaptableLayers) layer.SetUpdate(Updates.GetValueOrDefault(name));
    }

    public void Save(string path) =>
        SafetensorsWriter.Write(path, Norms
            .Concat(Updates.SelectMany(update => new[] { new KeyValuePair<string, Tensor>(update.Key + AName, update.Value.A), new(update.Key + BName, update.Value.B) }))
            .Append(new KeyValuePair<string, Tensor>(SpeakerName, Speaker)));

    /// <exception cref="InputFileException">The file lacks a tensor the model's norms need, or an update does not fit its layer.</exception>
    public static VoiceAdapter Load(string path, AcousticModel model)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var name in NormParameters(model).Select(p => p.Name).Append(SpeakerName))
            if (!file.Contains(name)) throw new InputFileException(path, "is not a voice adapter of this foundation", item: name);
        var updates = new Dictionary<string, LowRankUpdate>();
        try
        {
            foreach (var (name, layer) in model.AdaptableLayers)
            {
                if (!file.Contains(name + AName) && !file.Contains(name + BName)) continue;
                if (!file.Contains(name + AName) || !file.Contains(name + BName))
                    throw new InputFileException(path, "has half of a layer's low-rank update", item: name);
                var a = file.ReadTensor(name + AName);
                var b = file.ReadTensor(name + BName);
                if (a.dim() != 2 || b.dim() != 2 || a.shape[0] != b.shape[1] || b.shape[0] != layer.weight.shape[0] || a.shape[1] != layer.weight.numel() / layer.weight.shape[0])
                {
                    var shapes = $"[{string.Join(", ", b.shape)}]·[{string.Join(", ", a.shape)}]";
                    a.Dispose();
                    b.Dispose();
                    throw new InputFileException(path, $"has an update of {shapes} that does not fit the layer's weight [{string.Join(", ", layer.weight.shape)}]", item: name);
                }
                updates[name] = new LowRankUpdate(a, b);
            }
        }
        catch
        {
            foreach (var update in updates.Values) update.Dispose();
            throw;
        }
        return new VoiceAdapter(file.ReadTensor(SpeakerName), NormParameters(model).ToDictionary(p => p.Name, p => file.ReadTensor(p.Name)), updates);
    }

    public void Dispose()
    {
        Speaker.Dispose();
        foreach (var tensor in Norms.Values) tensor.Dispose();
        foreach (var update in Updates.Values) update.Dispose();
    }
}
