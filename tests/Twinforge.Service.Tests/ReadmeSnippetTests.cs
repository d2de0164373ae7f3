namespace Twinforge.Service.Tests;

/// <summary>
/// The README's C# snippets are the Readme*Example classes the SDK tests compile and run: every line of each example's
/// body must still be in the README, except the lines that take the test's own values (a temporary path, a tiny base,
/// the test's settings), which the README writes with a reader's values ("ana.jsonl", the base's name).
/// </summary>
public sealed class ReadmeSnippetTests
{
    [Theory]
    [InlineData("ReadmeExample.cs", new[] { "(path," })]
    [InlineData("ReadmeJobExample.cs", new[] { "(path,", "model = baseModel,", "twinforge," })]
    [InlineData("ReadmeChatExample.cs", new string[0])]
    public void The_readme_shows_each_line_of_the_example_the_tests_run(string example, string[] testValues)
    {
        var source = File.ReadAllText(Path.Combine(Twinforge.Tests.Shared.Repository.Root, "tests", "Twinforge.Service.Tests", example));
        var readme = File.ReadAllText(Path.Combine(Twinforge.Tests.Shared.Repository.Root, "README.md"));
        int start = source.IndexOf('{', source.IndexOf("public static", StringComparison.Ordinal)) + 1;
        var body = source[start..source.LastIndexOf("return ", StringComparison.Ordinal)];

        var lines = body.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !testValues.Any(line.Contains)).ToList();

        Assert.True(lines.Count >= 5, $"{example}: the snippet's body was not found");
        Assert.All(lines, line => Assert.True(readme.Contains(line, StringComparison.Ordinal), $"README.md no longer shows this line of {example}: {line}"));
        if (source.StartsWith("#pragma", StringComparison.Ordinal)) Assert.Contains(source.Split('\n')[0].Trim(), readme);
    }
}
