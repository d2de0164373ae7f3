using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>Vim's help files read as the large creator's text: prose and command descriptions kept, markup and examples not.</summary>
public sealed class VimHelpTextTests
{
    [Fact]
    public void Prose_paragraphs_and_command_entries_are_kept_with_their_topic_and_examples_tables_and_headings_are_not()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "change.txt");
        File.WriteAllText(path, string.Join('\n',
            "*change.txt*    For Vim version 9.0.  Last change: 2023 Feb 27",
            "",
            "\t\t  VIM REFERENCE MANUAL    by Bram Moolenaar",
            "",
            "This file describes commands that delete or change text.  In this context,",
            "changing text means deleting the text and replacing it with |other| text.",
            "",
            "1. Deleting text\t\t|deleting|",
            "==============================================================================",
            "1. Deleting text\t\t\t\t\t*deleting* *E470*",
            "",
            "[\"x]x\t\t\tDelete [count] characters under and after the cursor",
            "\t\t\t[into register x] (not |linewise|).  Does the same as",
            "\t\t\t\"dl\".",
            "",
            "For example, to delete the word under the cursor and the next one: >",
            "\td2w",
            "\tdaw",
            "<",
            "After the example the text goes on, and this paragraph has plenty of words in it.",
            "",
            "\t+-------------------------------------------------+",
            "\t|text in the Vim window\t\t\t\t  |",
            "\t+-------------------------------------------------+",
            "",
            "*07.4*\tKeeping a backup",
            "",
            "When you want to keep the original file you can make a backup of it first.",
            ""));

        var passages = VimHelpText.Read(path).ToList();

        Assert.Equal(
        [
            new VimHelpText.Passage("change.txt", "This file describes commands that delete or change text. In this context, changing text means deleting the text and replacing it with other text.", false),
            new VimHelpText.Passage("[\"x]x", "Delete [count] characters under and after the cursor [into register x] (not linewise). Does the same as \"dl\".", true),
            new VimHelpText.Passage("deleting", "For example, to delete the word under the cursor and the next one:", false),
            new VimHelpText.Passage("deleting", "After the example the text goes on, and this paragraph has plenty of words in it.", false),
            new VimHelpText.Passage("deleting", "When you want to keep the original file you can make a backup of it first.", false),
        ], passages);
    }
}
