using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Registry.Records;
using Twinforge.Service.Completions;
using Twinforge.Service.Hosting;
using Twinforge.Twins.Provenance;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Provenance;

/// <summary>
/// Makes a completion's provenance record (one per choice, chat or text) once its generation has ended: what answered
/// (the version, its adapter's and base's content hashes), for whom, with which settings and watermark key, how many
/// tokens, the hashes of the prompt and text, and when; signs it with the service's key and stores it (with the prompt
/// and text when the organisation keeps them)
/// before the answer is finished, so that no completion is answered without its record.
/// </summary>
public sealed class ProvenanceRecorder(ServiceStorage storage, ProvenanceSigningKey key)
{
    /// <summary>The response header that names a completion's record; sent before the body, so a stream's too.</summary>
    public const string Header = "x-twinforge-provenance";

    /// <summary>Signs and stores the record; returns it as sent (canonical JSON with its signature).</summary>
    public JsonElement Record(Organisation organisation, string provenanceId, CompletionHeader completion, ResolvedModel model,
        CompletionPrompt prompt, GenerationOptions generation, GenerationResult result)
    {
        var version = model.Version;
        var promptJson = prompt.ProvenanceJson();
        var record = new ProvenanceRecord
        {
            Id = provenanceId,
            CompletionId = completion.Id,
            Organization = organisation.PublicId,
            Model = completion.Model,
            Creator = model.Creator?.Name,
            Twin = model.Twin?.Name,
            TwinVersion = version?.Number,
            AdapterSha256 = version?.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.Adapter)?.ContentHash,
            MergedModelSha256 = version?.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.MergedModel)?.ContentHash,
            BaseModel = model.Base.Name,
            BaseModelSha256 = model.Base.ContentHash,
            Sampling = new ProvenanceSampling(generation.Temperature, generation.TopP, generation.MaxNewTokens, generation.Seed, generation.StopSequences),
            PromptTokens = result.PromptTokenCount,
            CompletionTokens = result.TokenIds.Count,
            FinishReason = FinishReasons.Of(result.StopReason),
            PromptSha256 = ProvenanceRecord.Sha256(promptJson),
            TextSha256 = ProvenanceRecord.Sha256(result.Text),
            // The key the text was watermarked with (null: the organisation switched watermarking off), to test it with.
            WatermarkKeyId = generation.Watermark?.Key.KeyId,
            Created = completion.Created,
            KeyId = key.PublicKey.KeyId,
        };
        var signed = key.Signer.Sign(record);
        storage.Registry.RecordProvenance(new NewCompletionProvenance(provenanceId, organisation.Id, completion.Id, completion.Model, version?.Id,
            record.Twin, record.TwinVersion, record.AdapterSha256 ?? record.MergedModelSha256, record.BaseModelSha256,
            ProvenanceRecord.SamplingJson(record.Sampling).ToJsonString(), record.PromptTokens, record.CompletionTokens, record.WatermarkKeyId,
            record.KeyId, signed, DateTimeOffset.FromUnixTimeSeconds(record.Created))
        {
            PromptJson = organisation.RecordCompletionContent ? promptJson : null,
            CompletionText = organisation.RecordCompletionContent ? result.Text : null,
        });
        using var document = JsonDocument.Parse(signed);
        return document.RootElement.Clone();
    }
}
