using Twinforge.Engine.Watermarking;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Service.Models;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Watermarking;

/// <summary>
/// <c>/v1/watermark</c> (Twinforge's): <c>POST /v1/watermark/detect</c> tests a text for the watermark of the caller's
/// organisation's key — only its own: no request names a key — read from the text alone with the tokenizer of the
/// <c>model</c> that wrote it, resolved as a completion's among the organisation's twins and the bases (another
/// organisation's twin is as unknown as a missing one: 404).
/// </summary>
public static class WatermarkEndpoints
{
    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<WatermarkKeys>();
        services.AddHostedService<WatermarkKeyStartup>();
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var watermark = endpoints.MapGroup("/v1/watermark").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Watermark (Twinforge)");
        watermark.MapPost("/detect", Detect);
    }

    static WatermarkDetectionObject Detect(WatermarkDetectionRequest request, Caller caller, ServiceStorage storage, ServedModels served, WatermarkKeys keys)
    {
        if (string.IsNullOrWhiteSpace(request.Model)) throw Missing("model");
        if (request.Text is null) throw Missing("text"); // an empty text is answered: nothing scored, and the note says so
        var model = ModelEndpoints.Resolve(storage, caller, request.Model.Trim());
        var organisation = storage.Registry.FindOrganisation(caller.OrganisationId)
            ?? throw new InvalidOperationException($"the caller's organisation {caller.OrganisationId} is not in the registry");
        var settings = keys.SettingsOf(organisation);
        var detection = WatermarkDetector.Detect(served.TokenizerOf(model), request.Text, settings);
        return WatermarkDetectionObject.From(detection, settings, WatermarkDetector.DefaultZThreshold, organisation.WatermarkCompletions);
    }

    static ApiException Missing(string param) => ApiException.BadRequest($"'{param}' is required.", param, "missing_required_parameter");
}
