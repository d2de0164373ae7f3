using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Service.Admin;
using Twinforge.Service.Auth;
using Twinforge.Service.Completions;
using Twinforge.Service.Creators;
using Twinforge.Service.Errors;
using Twinforge.Service.Files;
using Twinforge.Service.Hosting;
using Twinforge.Service.Models;
using Twinforge.Service.Jobs;
using Twinforge.Service.Operations;
using Twinforge.Service.Provenance;
using Twinforge.Service.Watermarking;

namespace Twinforge.Service;

/// <summary>
/// Twinforge as a service: the hosted fine-tuning API's shape over HTTP, for the official SDKs. A library, hosted by
/// <c>twinforge serve</c> and by tests (WebApplicationFactory overrides <c>CreateHostBuilder</c> with
/// <see cref="CreateHostBuilder"/>). Composition only: each concern is in its folder, each resource's endpoints in one
/// file. The order of the pipeline matters and is explained where it is built.
/// </summary>
/// <example><code>await TwinforgeService.CreateHostBuilder(["--urls", "http://127.0.0.1:8080"]).Build().RunAsync();</code></example>
public static class TwinforgeService
{
    /// <summary>Where the service listens unless configuration says otherwise (urls, ASPNETCORE_URLS, --urls): this machine only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static IHostBuilder CreateHostBuilder(string[] args) =>
        Host.CreateDefaultBuilder(args)
            .ConfigureAppConfiguration((_, configuration) =>
            {
                // Lowest first: the listening default, then the TWINFORGE_* aliases, both below appsettings, the
                // standard environment variables and the command line that CreateDefaultBuilder already added.
                configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
                {
                    InitialData = [new(WebHostDefaults.ServerUrlsKey, DefaultUrls)],
                });
                AddEnvironmentAliases(configuration, position: 1);
            })
            .ConfigureLogging(ConfigureLogging)
            .ConfigureWebHostDefaults(web => web
                .ConfigureKestrel((context, kestrel) =>
                {
                    var options = context.Configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
                    kestrel.Limits.MaxRequestBodySize = options.MaxJsonBodyBytes; // uploads raise it for themselves
                })
                .ConfigureServices((context, services) => AddServices(services, context.Configuration))
                .Configure(Configure));

    /// <summary>The TWINFORGE_* environment aliases, below appsettings, the standard environment variables and the command line.</summary>
    internal static void AddEnvironmentAliases(IConfigurationBuilder configuration, int position) =>
        configuration.Sources.Insert(position, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = EnvironmentAliases.Read() });

    /// <summary>Structured: one JSON object per entry, with the scopes (RequestId, JobId, request path) it was logged in.</summary>
    internal static void ConfigureLogging(HostBuilderContext context, ILoggingBuilder logging)
    {
        if (context.Configuration["Logging:Console:FormatterName"] is null)
            logging.AddJsonConsole(json => json.IncludeScopes = true);
    }

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceOptions>().Bind(configuration.GetSection(ServiceOptions.Section))
            .Validate(o => o.MaxUploadBytes > 0 && o.MaxJsonBodyBytes > 0, "upload and JSON body limits must be positive")
            .Validate(o => o.RateLimit.PermitLimit > 0 && o.RateLimit.WindowSeconds > 0, "the rate limit needs a positive permit limit and window")
            .Validate(JobsOptions.AreValid, JobsOptions.Requirements)
            .ValidateOnStart();
        services.AddSingleton<ServiceStorage>();
        services.AddSingleton<AdminCredential>();
        services.AddHostedService<AdminKeyBootstrap>();
        BaseModelRegistration.AddTo(services);
        // Fine-tuning jobs on Hangfire; serve runs a worker of its own unless Twinforge:Jobs:RunWorker is false.
        JobQueue.Add(services, runWorker: configuration.GetValue($"{ServiceOptions.Section}:Jobs:{nameof(JobsOptions.RunWorker)}", true));

        services.AddAuthentication(ApiKeyClaims.Scheme).AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyClaims.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyClaims.OrganisationPolicy, policy => policy.RequireClaim(ApiKeyClaims.Organisation))
            .AddPolicy(ApiKeyClaims.AdminPolicy, policy => policy.RequireClaim(ApiKeyClaims.Admin))
            // Anything not marked otherwise needs a key.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddRateLimiter(limiter => { }); // configured below, from the bound options
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<ServiceOptions>>((limiter, options) => KeyRateLimits.Configure(limiter, options.Value.RateLimit));

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
            // ASP.NET Core's web defaults read "10" as 10; the hosted API refuses a number sent as a string, and so do we.
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        // A malformed body throws, so it reaches the error shape rather than an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddOpenApi();
        MetricsEndpoint.AddServices(services, configuration);
        ChatCompletionEndpoints.AddServices(services, configuration);
        ProvenanceEndpoints.AddServices(services);
        WatermarkEndpoints.AddServices(services);
    }

    public static void Configure(IApplicationBuilder app)
    {
        // Outermost: the request id on every response, and one log entry per request with its final status.
        app.UseMiddleware<RequestLogging>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = ApiErrors.HandleException,
            // A refusal at the edge is an answer, not a fault: only unexpected exceptions are logged as errors (ApiErrors does).
            SuppressDiagnosticsCallback = _ => true,
        });
        app.UseStatusCodePages(ApiErrors.WriteForStatus);
        app.UseRouting();
        // The key is known before the rate limiter, which partitions by it, and before authorization.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapOpenApi().AllowAnonymous();
            HealthEndpoints.Map(endpoints);
            AdminEndpoints.Map(endpoints);
            CreatorEndpoints.Map(endpoints);
            FileEndpoints.Map(endpoints);
            MetricsEndpoint.Map(endpoints);
            ModelEndpoints.Map(endpoints);
            ChatCompletionEndpoints.Map(endpoints);
            TextCompletionEndpoints.Map(endpoints);
            ProvenanceEndpoints.Map(endpoints);
            WatermarkEndpoints.Map(endpoints);
            FineTuningJobEndpoints.Map(endpoints);
        });
    }
}
