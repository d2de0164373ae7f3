using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Twinforge.Engine.Watermarking;
using Twinforge.Service.Hosting;
using Twinforge.Service.Watermarking;

namespace Twinforge.Service.Tests;

/// <summary>
/// The service's watermark master secret: created private (0600) in the data directory on the first start, kept across
/// starts and never logged, or the configured one; each organisation's key derived from it, different per organisation
/// and the same in every start.
/// </summary>
public sealed class WatermarkKeyTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("twinforge-watermark-key-").FullName;

    static WatermarkKey KeyOf(ServiceFactory service, string organisation) => service.Services.GetRequiredService<WatermarkKeys>()
        .SettingsOf(service.Services.GetRequiredService<ServiceStorage>().Registry.FindOrganisation(organisation)!).Key;

    [Fact]
    public async Task The_first_start_creates_a_private_master_secret_that_later_starts_keep_and_no_log_shows()
    {
        var logs = new CapturedLogs();
        var settings = new Dictionary<string, string?> { ["Twinforge:DataDirectory"] = directory, ["Logging:LogLevel:Default"] = "Information" };
        string acme, globex;
        WatermarkKey acmeKey;
        using (var first = new ServiceFactory(settings) { TestServices = services => services.AddSingleton<ILoggerProvider>(logs) })
        {
            (acme, _) = await first.Organisation("Acme");
            (globex, _) = await first.Organisation("Globex");
            acmeKey = KeyOf(first, acme);
            Assert.Equal($"wm-{acme}-1", acmeKey.KeyId);
            Assert.NotEqual(acmeKey.SecretHex(), KeyOf(first, globex).SecretHex());
        }
        var path = Path.Combine(directory, WatermarkKeys.DefaultFileName);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var secret = File.ReadAllText(path).Trim();
        Assert.Matches("^[0-9a-f]{64}$", secret);

        using (var second = new ServiceFactory(settings) { TestServices = services => services.AddSingleton<ILoggerProvider>(logs) })
            Assert.Equal(acmeKey, KeyOf(second, acme));

        Assert.Equal(secret, File.ReadAllText(path).Trim());
        Assert.Single(logs.Messages, message => message.Contains($"created the watermark master secret at {path}"));
        Assert.Equal(2, logs.Messages.Count(message => message.Contains($"derived from the master secret at {path}")));
        Assert.DoesNotContain(logs.Messages, message => message.Contains(secret, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logs.Messages, message => message.Contains(acmeKey.SecretHex(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_configured_master_secret_derives_the_keys_and_a_missing_or_malformed_one_stops_the_start()
    {
        var master = Enumerable.Range(0, 32).Select(i => (byte)(7 * i + 1)).ToArray();
        var path = Path.Combine(directory, "operator-secret");
        File.WriteAllText(path, Convert.ToHexString(master) + "\n");

        using (var configured = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:Watermark:MasterSecretPath"] = path }))
        {
            var (acme, _) = await configured.Organisation("Acme", fixedId: "acme");
            Assert.Equal("org-acme00000000000000000000", acme);
            Assert.Equal(WatermarkKey.Derive(master, "wm-org-acme00000000000000000000-1"), KeyOf(configured, acme));
            Assert.False(File.Exists(Path.Combine(configured.DataDirectory, WatermarkKeys.DefaultFileName)));
        }
        File.WriteAllText(Path.Combine(directory, "not-hex"), "this is not a secret");
        File.WriteAllText(Path.Combine(directory, "short"), Convert.ToHexString(master[..8]));
        foreach (var (file, why) in new[] { ("absent", "MasterSecretPath"), ("not-hex", "hexadecimal"), ("short", "at least 16") })
        {
            using var refused = new ServiceFactory(new Dictionary<string, string?> { ["Twinforge:Watermark:MasterSecretPath"] = Path.Combine(directory, file) });
            var error = Assert.ThrowsAny<Exception>(() => refused.CreateClient());
            Assert.Contains(why, error.ToString());
        }
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>Every message logged, formatted, from every host it is given to.</summary>
    sealed class CapturedLogs : ILoggerProvider
    {
        readonly ConcurrentQueue<string> messages = new();

        public IReadOnlyList<string> Messages => [.. messages];

        public ILogger CreateLogger(string categoryName) => new Logger(messages);

        public void Dispose() { }

        sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
