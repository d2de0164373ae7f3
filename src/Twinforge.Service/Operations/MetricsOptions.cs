using System.Net;

namespace Twinforge.Service.Operations;

/// <summary>
/// Who may read <c>/metrics</c>, bound from <c>Twinforge:Metrics</c>. The admin key always may: the figures are the
/// whole service's (every organisation's traffic, queue depths, the machine's load), an operator's view rather than an
/// organisation's. A Prometheus server can send that key (<c>authorization: {credentials: …}</c> in its scrape
/// config); where it cannot, <see cref="AllowAnonymousFrom"/> lets requests from listed networks in without one.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Twinforge:Metrics";

    /// <summary>
    /// Networks (CIDR, separated by commas or spaces: <c>127.0.0.1/32, 10.20.0.0/16</c>) whose requests may scrape without a
    /// key; empty by default. The address is the connection's: behind a reverse proxy on this machine every request comes
    /// from the proxy, so list loopback only when nothing proxies the service.
    /// </summary>
    public string? AllowAnonymousFrom { get; set; }

    /// <summary>The parsed networks; throws <see cref="FormatException"/> naming an entry that is not one.</summary>
    public IReadOnlyList<IPNetwork> AnonymousNetworks() =>
        (AllowAnonymousFrom ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => IPNetwork.TryParse(entry, out var network) ? network
                : throw new FormatException($"{Section}:{nameof(AllowAnonymousFrom)}: '{entry}' is not a network in CIDR notation (e.g. 10.0.0.0/8, ::1/128)"))
            .ToList();
}
