using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>The readers of manuals and books (POD, HTML, makeinfo text, the Bible program's output, novels' lines).</summary>
public sealed class DocumentReaderTests
{
    [Fact]
    public void Pod_sections_keep_prose_with_codes_expanded_and_drop_commands_verbatim_code_and_format_blocks()
    {
        var pod = """
            =head1 NAME

            perlfoo - how to B<foo> with I<style>

            =head1 DESCRIPTION

            Use the C<< $a->b >> method, see L<the manual|perlfunc/open> and
            L<perlsyn/"For Loops">; write E<lt>fooE<gt>.X<foo>

                my $code = 1;   # verbatim: code
                print $code;

            =over 4

            =item -e

            =item * A list item with enough words to be prose.

            =back

            =begin html

            <p>Only for HTML.</p>

            =end html

            =for comment not prose

            =head2 Details

            A second section.

            =cut

            sub not_pod { }
            """;

        var sections = PodProse.Sections(pod);

        Assert.Equal(
        [
            "perlfoo - how to foo with style",
            "Use the $a->b method, see the manual and \"For Loops\" in perlsyn; write <foo>.\n\n" +
            "A list item with enough words to be prose.",
            "A second section.",
        ], sections);
    }

    [Fact]
    public void Html_prose_keeps_paragraphs_and_inline_text_and_drops_code_tables_headings_and_navigation()
    {
        var html = """
            <html><head><title>Page</title><style>p { color: red }</style></head><body>
            <ul class="docnav top"><li>Prev</li><li>Next</li></ul>
            <div class="titlepage"><h2 class="title">6.2. The Commands</h2></div>
            <div class="para">
              <acronym>APT</acronym> is a vast project; <code class="command">apt-get</code>
              is its first front end &mdash; command-line based &amp; simple.
            </div>
            <pre class="screen"><code>$ apt-get install foo</code></pre>
            <table><tr><td>cell one</td><td>cell two</td></tr></table>
            <p>Install the <code>libpaper1</code><a id="idm1829" class="indexterm"></a> package, and it
            will ask you.</p>
            <p>Second paragraph<br/>with a line break.</p>
            <!-- a comment <p>not text</p> -->
            </body></html>
            """;

        Assert.Equal(
            "APT is a vast project; apt-get is its first front end \u2014 command-line based & simple.\n\n" +
            "Install the libpaper1 package, and it will ask you.\n\n" +
            "Second paragraph\n\nwith a line break.",
            HtmlProse.ToText(html));
    }

    [Fact]
    public void Makeinfo_text_is_split_at_headings_without_the_contents_examples_or_menus()
    {
        var text = """
            GNU Coding Standards
            1 About the GNU Coding Standards
            2 Keeping Free Software Free

            1 About the GNU Coding Standards
            ********************************

            The GNU Coding Standards were written by Richard Stallman and other
            GNU Project volunteers.

               Their purpose is to make the GNU system clean, consistent, and easy
            to install.  *Note Legal Matters::, for more.

                 int main (void) { return 0; }

            * Menu:

            * Trademarks::

            2.1 Referring to Proprietary Programs
            =====================================

            Don't in any circumstances refer to proprietary programs.  Many
            packages use GNU Autoconf (*note Introduction: (autoconf)Top.).
            """;

        Assert.Equal(
        [
            "The GNU Coding Standards were written by Richard Stallman and other GNU Project volunteers.\n\n" +
            "Their purpose is to make the GNU system clean, consistent, and easy to install.  Legal Matters, for more.",
            "Don't in any circumstances refer to proprietary programs.  Many packages use GNU Autoconf (Introduction).",
        ], TexinfoPlainText.Sections(text));
    }

    [Fact]
    public void Bible_verses_are_grouped_into_chapters_one_verse_a_line()
    {
        string[] lines =
        [
            "Ge1:1 In the beginning God created the heaven and the earth.",
            "Ge1:2 And the earth was without form, and void.",
            "Ge2:1 Thus the heavens and the earth were finished.",
            "not a verse",
            "1Cor13:4 Charity suffereth long, and is kind;",
            "1Cor13:5 Doth not behave itself unseemly.",
        ];

        Assert.Equal(
        [
            "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.",
            "Thus the heavens and the earth were finished.",
            "Charity suffereth long, and is kind;\nDoth not behave itself unseemly.",
        ], KingJamesBible.ChaptersOf(lines));
    }

    [Fact]
    public void A_novel_is_split_into_chapters_of_unwrapped_paragraphs_without_headings_or_title_pages()
    {
        string[] lines =
        [
            "EMMA", "", "By Jane Austen", "", "VOLUME I", "", "CHAPTER I", "", "",
            "Emma Woodhouse, handsome, clever, and rich, with a comfortable home",
            "and happy disposition, seemed to unite some of the _best_ blessings", "",
            "She was the youngest of the two daughters.", "",
            "Chapter 2", "",
            "Mr. Weston was a native of Highbury.", "", "FINIS",
        ];

        Assert.Equal(
        [
            "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition, seemed to unite some of the best blessings\n\n" +
            "She was the youngest of the two daughters.",
            "Mr. Weston was a native of Highbury.",
        ], AustenNovels.ChaptersOf(lines));
    }
}
