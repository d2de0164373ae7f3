using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.TestHost;

namespace Twinforge.Service.Tests;

/// <summary>Who may read <c>/metrics</c>, and that every <c>Twinforge.*</c> meter is there without wiring.</summary>
public sealed class MetricsAccessTests : IDisposable
{
    readonly ServiceFactory service = new(new Dictionary<string, string?> { ["Twinforge:Metrics:AllowAnonymousFrom"] = "127.0.0.0/8, 192.0.2.128/25" });

    [Fact]
    public async Task Metrics_need_the_admin_key_or_a_listed_network()
    {
        var (_, key) = await service.Organisation();

        await ServiceFactory.Error(await service.Client(null).GetAsync("/metrics"), 401); // the test server's client has no address
        await ServiceFactory.Error(await service.Client(key).GetAsync("/metrics"), 403);
        var scraped = await service.Client(ServiceFactory.AdminKey).GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.StartsWith("text/plain", scraped.Content.Headers.ContentType!.ToString());

        Assert.Equal(200, (await Anonymous(IPAddress.Loopback)).Response.StatusCode);
        Assert.Equal(200, (await Anonymous(IPAddress.Parse("::ffff:192.0.2.200"))).Response.StatusCode);
        Assert.Equal(401, (await Anonymous(IPAddress.Parse("192.0.2.7"))).Response.StatusCode);
        Assert.Equal(401, (await Anonymous(IPAddress.IPv6Loopback)).Response.StatusCode);
    }

    [Fact]
    public async Task Without_configuration_no_network_may_scrape_anonymously()
    {
        using var closed = new ServiceFactory();
        var context = await closed.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/metrics";
            c.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        Assert.Equal(401, context.Response.StatusCode);
    }

    [Fact]
    public async Task Every_meter_named_twinforge_anything_is_exported_without_wiring()
    {
        using var admin = service.Client(ServiceFactory.AdminKey);
        await admin.GetAsync("/metrics"); // the service runs
        using var meter = new Meter("Twinforge.ProbeForTests");
        var counter = meter.CreateCounter<long>("twinforge.probe.events", "{event}");
        using var unrelated = new Meter("Elsewhere.ProbeForTests");
        unrelated.CreateCounter<long>("elsewhere.probe.events").Add(1);

        counter.Add(3, new KeyValuePair<string, object?>("state", "queued"));
        var metrics = await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync();

        Assert.Equal(3, PrometheusText.Sum(metrics, "twinforge_probe_events_total", "state=\"queued\""));
        Assert.DoesNotContain("elsewhere_probe", metrics);
    }

    [Fact]
    public void A_listed_network_that_is_not_one_stops_the_service_at_start()
    {
        using var broken = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:Metrics:AllowAnonymousFrom"] = "10.0.0.0/8, not-a-network" });

        var error = Assert.ThrowsAny<Exception>(() => broken.Server);

        Assert.Contains("AllowAnonymousFrom", error.ToString());
    }

    Task<Microsoft.AspNetCore.Http.HttpContext> Anonymous(IPAddress from) => service.Server.SendAsync(c =>
    {
        c.Request.Method = "GET";
        c.Request.Path = "/metrics";
        c.Connection.RemoteIpAddress = from;
    });

    public void Dispose() => service.Dispose();
}
