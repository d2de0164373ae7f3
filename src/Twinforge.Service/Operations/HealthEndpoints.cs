using Twinforge.Service.Hosting;

namespace Twinforge.Service.Operations;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness). <c>/readyz</c>: the database answers a query and the artifact
/// store's directory can be written, else 503 naming what failed (readiness: take the instance out of rotation).
/// Neither needs a key nor counts against a rate limit.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Json(new { status = "alive" })).AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        endpoints.MapGet("/readyz", (ServiceStorage storage, ILogger<ServiceStorage> logger) =>
        {
            var checks = new Dictionary<string, string>
            {
                ["database"] = Check(() => storage.Registry.CheckConnection(), "database", logger),
                ["artifact_store"] = Check(() => ProbeWritable(storage.Store.Root), "artifact store", logger),
            };
            var ready = checks.Values.All(result => result == "ok");
            return Results.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? 200 : 503);
        }).AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
    }

    static string Check(Action check, string what, ILogger logger)
    {
        try
        {
            check();
            return "ok";
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "readiness: the {What} is not reachable", what);
            return "unreachable";
        }
    }

    /// <summary>Creates and deletes a file in the store's directory: it exists, is a directory and can be written.</summary>
    static void ProbeWritable(string directory)
    {
        if (!Directory.Exists(directory)) Directory.CreateDirectory(directory);
        var probe = Path.Combine(directory, $".ready-{Guid.NewGuid():N}");
        File.WriteAllBytes(probe, []);
        File.Delete(probe);
    }
}
