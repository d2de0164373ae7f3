using Twinforge.Registry;

namespace Twinforge.Cli.Tests;

/// <summary><c>twinforge creator …</c>: commands that need no model, on a registry in a temporary directory.</summary>
public sealed class CreatorCommandTests
{
    sealed class Registry(TemporaryDirectory directory)
    {
        public string Location => directory.File("registry.db");

        public (int ExitCode, string Output, string Error) Run(params string[] args) =>
            CliTesting.Run([.. args, "--registry", Location, "--by", "tester"]);
    }

    [Fact]
    public void Withdrawing_a_consent_no_longer_held_says_there_is_nothing_to_withdraw_and_writes_no_audit_record()
    {
        using var directory = new TemporaryDirectory();
        var registry = new Registry(directory);
        registry.Run("creator", "add", "ana");
        registry.Run("creator", "consent", "ana", "--scope", "text");
        var first = registry.Run("creator", "withdraw", "ana", "--scope", "text", "--reason", "asked by email");
        Assert.True(first.ExitCode == ExitCodes.Success, first.Error);

        var again = registry.Run("creator", "withdraw", "ana", "--scope", "text", "--reason", "asked again");

        // The state asked for already holds (as a repeated consent returns the one recorded): success, said plainly.
        Assert.True(again.ExitCode == ExitCodes.Success, again.Error);
        Assert.Contains("nothing to withdraw", again.Output);
        Assert.Contains("no valid 'text' consent", again.Output);
        Assert.DoesNotContain("audit record 2", again.Output);
        using var opened = TwinRegistry.Open(registry.Location);
        Assert.Single(opened.ListAuditRecords());
    }
}
