namespace Twinforge.Hub.Tests;

public sealed class HubSettingsTests
{
    static HubSettings From(params (string Name, string Value)[] variables) =>
        HubSettings.FromEnvironment(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void The_cache_root_follows_the_python_tools_variables()
    {
        Assert.Equal("/x/hub-cache", From(("HF_HUB_CACHE", "/x/hub-cache"), ("HF_HOME", "/y")).CacheDirectory);
        Assert.Equal("/y/hub", From(("HF_HOME", "/y"), ("XDG_CACHE_HOME", "/z")).CacheDirectory);
        Assert.Equal("/z/huggingface/hub", From(("XDG_CACHE_HOME", "/z")).CacheDirectory);
        Assert.Equal(new Uri(HubSettings.DefaultEndpoint), From(("HF_HOME", "/y")).Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:9999"), From(("HF_HOME", "/y"), ("HF_ENDPOINT", "http://127.0.0.1:9999/")).Endpoint);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("ON", true)]
    [InlineData("0", false)]
    [InlineData("", false)]
    public void Offline_is_read_as_huggingface_hub_reads_it(string value, bool offline) =>
        Assert.Equal(offline, From(("HF_HOME", "/y"), ("HF_HUB_OFFLINE", value)).Offline);

    [Fact]
    public void The_token_comes_from_HF_TOKEN_else_the_login_file()
    {
        var home = Directory.CreateTempSubdirectory("twinforge-hf-home-").FullName;
        try
        {
            Assert.Null(From(("HF_HOME", home)).Token);
            File.WriteAllText(Path.Combine(home, "token"), "hf_from_file\n");
            Assert.Equal("hf_from_file", From(("HF_HOME", home)).Token);
            Assert.Equal("hf_from_variable", From(("HF_HOME", home), ("HF_TOKEN", "hf_from_variable")).Token);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://mirror.example")]
    public void A_malformed_endpoint_is_named_when_the_hub_is_used_not_before(string endpoint)
    {
        // Read at a host's start: a command that never pulls (--version, --help) must run with it set.
        var settings = From(("HF_HOME", "/y"), ("HF_ENDPOINT", endpoint));
        Assert.Equal($"HF_ENDPOINT: '{endpoint}' is not an http(s) address", settings.EndpointProblem);

        using var http = HubClient.CreateHttpClient();
        var refused = Assert.Throws<HubException>(() => new HubClient(http, settings));
        Assert.Contains($"HF_ENDPOINT: '{endpoint}'", refused.Message);
        Assert.True(refused.IsBadInput);
        Assert.Null(From(("HF_HOME", "/y"), ("HF_ENDPOINT", "http://127.0.0.1:9999")).EndpointProblem);
    }

    [Fact]
    public void The_timeouts_are_read_as_seconds_and_a_bad_one_is_named_when_the_hub_is_used()
    {
        var defaults = From(("HF_HOME", "/y"));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), (defaults.MetadataTimeout, defaults.DownloadTimeout));
        var given = From(("HF_HOME", "/y"), ("HF_HUB_ETAG_TIMEOUT", "2.5"), ("HF_HUB_DOWNLOAD_TIMEOUT", "60"));
        Assert.Equal((TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(60)), (given.MetadataTimeout, given.DownloadTimeout));
        Assert.Null(given.TimeoutProblem);

        foreach (var bad in new[] { "abc", "0", "-3" })
        {
            var settings = From(("HF_HOME", "/y"), ("HF_HUB_DOWNLOAD_TIMEOUT", bad));
            Assert.Equal($"HF_HUB_DOWNLOAD_TIMEOUT: '{bad}' is not a number of seconds above 0", settings.TimeoutProblem);
            using var http = HubClient.CreateHttpClient();
            Assert.True(Assert.Throws<HubException>(() => new HubClient(http, settings)).IsBadInput);
        }
    }
}
