using Twinforge.Engine.Data;
using static Twinforge.Engine.Tests.Data.DataTesting;

namespace Twinforge.Engine.Tests.Data;

/// <summary>Control characters in training text: NUL is an error, the others a warning; tab and line breaks are text.</summary>
public sealed class ControlCharacterTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static readonly string GoodChat = Exchange("Hi", "Hello!");

    [Fact]
    public void A_nul_in_chat_content_is_an_error_naming_file_line_and_field()
    {
        var path = _temporary.Write("chats.jsonl", GoodChat, GoodChat, Exchange("Why?", "Because\0 of rays."), GoodChat);

        var dataset = Validate(path);

        var error = Assert.Single(dataset.Report.Errors);
        Assert.Equal((path, 3L, DatasetProblemKind.NulCharacter, "messages[1].content"), (error.FilePath, error.Line, error.Kind, error.Field));
        Assert.StartsWith($"{path}:3: 'messages[1].content': holds a NUL character (U+0000) at character 8", error.ToString());
        Assert.False(dataset.Report.IsValid);
    }

    [Fact]
    public void Every_nul_is_counted_and_the_first_located()
    {
        var path = _temporary.Write("chats.jsonl", GoodChat, Exchange("\0a\0b\0", "fine"));

        var error = Assert.Single(Validate(path).Report.Errors);

        Assert.Equal("messages[0].content", error.Field);
        Assert.StartsWith("holds 3 NUL characters (U+0000), the first at character 1", error.Reason);
    }

    [Theory]
    [InlineData("prompt")]
    [InlineData("completion")]
    public void A_nul_in_a_prompt_or_completion_is_an_error_naming_the_field(string field)
    {
        var bad = field == "prompt" ? PromptCompletion("Say\0 hi:", " hi") : PromptCompletion("Say hi:", " h\0i");
        var path = _temporary.Write("pairs.jsonl", PromptCompletion("Say hi:", " hi"), bad);

        var error = Assert.Single(Validate(path).Report.Errors);

        Assert.Equal((2L, DatasetProblemKind.NulCharacter, field), (error.Line, error.Kind, error.Field));
    }

    [Fact]
    public void A_nul_in_plain_text_is_an_error_naming_its_line()
    {
        var path = _temporary.Write("posts.txt", "A first post.", "", "A second\0 one,", "on two lines.");

        var error = Assert.Single(Validate(path).Report.Errors);

        Assert.Equal((path, 3L, DatasetProblemKind.NulCharacter, (string?)null), (error.FilePath, error.Line, error.Kind, error.Field));
        Assert.Contains("at character 9", error.Reason);
    }

    [Theory]
    [InlineData("\u001b[31mred\u001b[0m", "U+001B")]
    [InlineData("page one\fpage two", "U+000C")]
    [InlineData("rub\u007fout", "U+007F")]
    [InlineData("next\u0085line", "U+0085")]
    public void Another_control_character_is_a_warning_and_the_example_is_kept(string content, string codePoint)
    {
        var path = _temporary.Write("chats.jsonl", GoodChat, Exchange("What colour?", content));

        var dataset = Validate(path);

        Assert.True(dataset.Report.IsValid);
        var warning = Assert.Single(dataset.Report.Warnings);
        Assert.Equal((2L, DatasetProblemKind.ControlCharacter, "messages[1].content"), (warning.Line, warning.Kind, warning.Field));
        Assert.Contains(codePoint, warning.Reason);
        Assert.StartsWith($"{path}:2: warning: 'messages[1].content': ", warning.ToString());
        Assert.Equal(2, dataset.Examples.Count);
    }

    [Fact]
    public void Tabs_and_line_breaks_are_text()
    {
        var chat = _temporary.Write("chats.jsonl", Exchange("a\tb", "line one\nline two\r\nline three"));
        var text = _temporary.Write("posts.txt", "col1\tcol2", "next line");

        Assert.Empty(Validate(chat).Report.Problems);
        Assert.Empty(Validate(text).Report.Problems);
    }
}
