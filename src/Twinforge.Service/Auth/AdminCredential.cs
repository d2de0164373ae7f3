using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Auth;

/// <summary>
/// The admin key given by the environment, held only as its hash and compared in constant time. It is not recorded
/// in the registry, so changing the variable and restarting retires the old one. (A key generated at first start is
/// recorded as an admin key instead: see <see cref="AdminKeyBootstrap"/>.)
/// </summary>
public sealed class AdminCredential(IOptions<ServiceOptions> options)
{
    readonly byte[]? configuredHash = options.Value.AdminKey is { Length: > 0 } key ? Encoding.ASCII.GetBytes(ApiKeySecrets.Hash(key)) : null;

    public bool IsConfigured => configuredHash is not null;

    public bool Matches(string keyHash) =>
        configuredHash is not null && CryptographicOperations.FixedTimeEquals(configuredHash, Encoding.ASCII.GetBytes(keyHash));
}
