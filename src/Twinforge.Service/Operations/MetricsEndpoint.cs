using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Twinforge.Service.Auth;

namespace Twinforge.Service.Operations;

/// <summary>
/// Metrics in Prometheus' text format at <c>/metrics</c>, through OpenTelemetry: ASP.NET Core's request durations
/// (<c>http_server_request_duration_seconds</c>, by route and status) and every meter named <c>Twinforge.*</c>
/// (completions, jobs, …): a new meter of that name is exported without further wiring. Reading them takes the admin
/// key or a request from a network <see cref="MetricsOptions.AllowAnonymousFrom"/> lists; scrapes are not rate limited
/// and not counted in the request durations.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";
    public const string Policy = "metrics";

    /// <summary>Every meter of Twinforge's own (OpenTelemetry matches the wildcard against meter names).</summary>
    public const string TwinforgeMeters = "Twinforge.*";

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(o => Parses(o), $"{MetricsOptions.Section}:{nameof(MetricsOptions.AllowAnonymousFrom)} lists something that is not a network in CIDR notation")
            .ValidateOnStart();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("twinforge"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(TwinforgeMeters)
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)); // each scrape reads now
        services.AddSingleton<IAuthorizationHandler, MetricsAccessHandler>();
        services.Configure<AuthorizationOptions>(authorization =>
            authorization.AddPolicy(Policy, policy => policy.AddRequirements(new MetricsAccessRequirement())));
    }

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(Policy).DisableRateLimiting().DisableHttpMetrics().ExcludeFromDescription();

    static bool Parses(MetricsOptions options)
    {
        try
        {
            options.AnonymousNetworks();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>The admin key, or a connection from a network allowed to scrape anonymously.</summary>
public sealed class MetricsAccessRequirement : IAuthorizationRequirement;

public sealed class MetricsAccessHandler(IOptions<MetricsOptions> options) : AuthorizationHandler<MetricsAccessRequirement>
{
    readonly IReadOnlyList<IPNetwork> anonymous = options.Value.AnonymousNetworks();

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsAccessRequirement requirement)
    {
        if (context.User.HasClaim(claim => claim.Type == ApiKeyClaims.Admin) || FromAllowedNetwork(context.Resource as HttpContext))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }

    bool FromAllowedNetwork(HttpContext? http)
    {
        if (http?.Connection.RemoteIpAddress is not { } address || anonymous.Count == 0) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return anonymous.Any(network => network.Contains(address));
    }
}
