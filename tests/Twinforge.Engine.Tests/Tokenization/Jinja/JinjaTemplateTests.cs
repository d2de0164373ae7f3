using Twinforge.Engine.Tokenization.Jinja;
using Twinforge.Engine.Tests.Tokenization;

namespace Twinforge.Engine.Tests.Tokenization.Jinja;

/// <summary>The Jinja subset construct by construct; every expected text is Jinja's (worked out from its documentation).</summary>
public sealed class JinjaTemplateTests
{
    static string Render(string source, Dictionary<string, object?>? variables = null) =>
        JinjaTemplate.Parse(source).Render(variables ?? []);

    static readonly Dictionary<string, object?> Messages = new()
    {
        ["messages"] = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = "  Be brief.  " },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "Hi" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "Hello" },
        },
    };

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("{{ 'a\\n\\t\\'b\\'' }}", "a\n\t'b'")]
    [InlineData("{{ \"x\" \"y\" }}", "xy")]
    [InlineData("{{ 1 + 2 * 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 2 ** 3 }}", "7|3|-4|1|2|3.5|8")]
    [InlineData("{{ 1.0 }}|{{ 0.5 + 1 }}|{{ true }}|{{ none }}|{{ None }}|{{ False }}", "1.0|1.5|True|None|None|False")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ undefined_name }}", "a1None")]
    [InlineData("{{ [1, 'b', none] }}|{{ {'k': 'v'} }}", "[1, 'b', None]|{'k': 'v'}")]
    [InlineData("{{ 'yes' if 1 < 2 < 3 else 'no' }}|{{ 'x' if false }}|", "yes||")]
    [InlineData("{{ not 0 and 'a' or 'b' }}|{{ 0 or '' or 'last' }}", "a|last")]
    [InlineData("{{ 'ell' in 'hello' }}|{{ 2 not in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 1 == 1.0 }}|{{ 'a' != 'b' }}", "True|False|True|True|True")]
    public void Expressions_render_as_in_jinja(string source, string expected) => Assert.Equal(expected, Render(source));

    [Fact]
    public void Attribute_subscript_and_slice_reach_into_messages()
    {
        Assert.Equal("system|user|Hello|assistant",
            Render("{{ messages[0].role }}|{{ messages[1]['role'] }}|{{ messages[-1].content }}|{{ messages[1:][1]['role'] }}", Messages));
        Assert.Equal("2|lo|cba|[1, 3]", Render("{{ messages[1:] | length }}|{{ 'hello'[3:] }}|{{ 'abc'[::-1] }}|{{ [1, 2, 3][::2] }}", Messages));
        Assert.Equal("", Render("{{ messages[7] }}{{ messages[0].missing }}", Messages));
    }

    [Fact]
    public void Whitespace_control_follows_trim_blocks_lstrip_blocks_and_dashes()
    {
        // trim_blocks drops the newline after a block tag; lstrip_blocks the indentation before one.
        Assert.Equal("a\nb\n", Render("{% if true %}\na\n{% endif %}\n{% if true %}\nb\n{% endif %}\n"));
        Assert.Equal("    x\n", Render("{% if true %}\n    {{ 'x' }}\n    {% endif %}\n"));
        // A dash strips every whitespace character, newlines included, on its side; a variable tag keeps its newline.
        Assert.Equal("ab", Render("a  \n  {{- 'b' -}}  \n  "));
        Assert.Equal("x\ny", Render("{{ 'x' }}\n{{ 'y' }}"));
        // One trailing newline of the template is dropped (keep_trailing_newline=False); '+' turns lstrip off.
        Assert.Equal("a", Render("a\n"));
        Assert.Equal("  x", Render("  {%+ if true %}x{% endif %}"));
        Assert.Equal("ab", Render("a{# a comment #}\nb"));
        Assert.Equal("ab", Render("a\n    {#- a comment -#}\n    b"));
    }

    [Fact]
    public void If_elif_else_take_the_first_true_branch()
    {
        const string source = "{% for n in [0, 1, 2] %}{% if n == 0 %}zero{% elif n == 1 %}one{% else %}many{% endif %},{% endfor %}";
        Assert.Equal("zero,one,many,", Render(source));
    }

    [Fact]
    public void For_loops_have_loop_variables_filters_else_and_unpacking()
    {
        Assert.Equal("0/1/3/True/False,1/2/3/False/False,2/3/3/False/True,",
            Render("{% for m in messages %}{{ loop.index0 }}/{{ loop.index }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }},{% endfor %}", Messages));
        Assert.Equal("1:user 2:assistant ",
            Render("{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m.role }} {% endfor %}", Messages));
        Assert.Equal("none", Render("{% for m in [] %}x{% else %}none{% endfor %}"));
        Assert.Equal("a=1;b=2;", Render("{% for key, value in {'a': 1, 'b': 2}.items() %}{{ key }}={{ value }};{% endfor %}"));
        Assert.Equal("a=1;", Render("{% for key, value in {'a': 1} | items %}{{ key }}={{ value }};{% endfor %}"));
        Assert.Equal("13", Render("{% for n in range(5) %}{% if n == 0 or n == 2 %}{% continue %}{% endif %}{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}"));
        Assert.Equal("ab", Render("{% for c in 'ab' %}{{ c }}{% endfor %}"));
        Assert.Equal("", Render("{% for x in not_defined %}x{% endfor %}"));
    }

    [Fact]
    public void Set_inside_a_loop_stays_in_the_loop_but_a_namespace_carries_out()
    {
        Assert.Equal("0|3", Render(
            "{% set count = 0 %}{% set ns = namespace(count=0) %}{% for m in messages %}{% set count = count + 1 %}" +
            "{% set ns.count = ns.count + 1 %}{% endfor %}{{ count }}|{{ ns.count }}", Messages));
        Assert.Equal("Be brief.|2", Render(
            "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] | trim %}{% set messages = messages[1:] %}{% endif %}" +
            "{{ system }}|{{ messages | length }}", Messages));
        Assert.Equal("1-2", Render("{% set a, b = [1, 2] %}{{ a }}-{{ b }}"));
        Assert.Equal("[x]", Render("{% set block %}[{{ 'x' }}]{% endset %}{{ block }}"));
        Assert.Equal("1", Render("{% set ns = namespace() %}{% set ns.index = 1 %}{{ ns.index }}"));
    }

    [Fact]
    public void Tests_say_what_a_value_is()
    {
        var variables = new Dictionary<string, object?> { ["text"] = "t", ["none_value"] = null, ["map"] = new Dictionary<string, object?>(), ["list"] = new List<object?>() };
        Assert.Equal("True True False True True True True False True True",
            Render("{{ text is defined }} {{ missing is undefined }} {{ missing is defined }} {{ none_value is none }} {{ text is string }} " +
                   "{{ map is mapping }} {{ list is iterable }} {{ list is mapping }} {{ text is not none }} {{ 3 is odd }}", variables));
        Assert.Equal("True False", Render("{{ 'a' is equalto 'a' }} {{ not 'a' is equalto 'a' }}"));
    }

    [Fact]
    public void Filters_the_templates_use()
    {
        Assert.Equal("x|3|HI|hi|Hello world|Hello World|b-b|fallback|v|1|3|a, b", Render(
            "{{ '  x \\n' | trim }}|{{ [1, 2, 3] | length }}|{{ 'hi' | upper }}|{{ 'HI' | lower }}|{{ 'hELLO world' | capitalize }}|" +
            "{{ 'hello world' | title }}|{{ 'a-a' | replace('a', 'b') }}|{{ missing | default('fallback') }}|{{ 'v' | default('w') }}|" +
            "{{ [1, 2, 3] | first }}|{{ [1, 2, 3] | last }}|{{ ['a', 'b'] | join(', ') }}"));
        Assert.Equal("user,assistant|Hi|2", Render(
            "{{ messages | selectattr('role', 'ne', 'system') | map(attribute='role') | join(',') }}|" +
            "{{ (messages | selectattr('role', 'equalto', 'user') | list)[0].content }}|{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}", Messages));
        Assert.Equal("{\"name\": \"f\", \"args\": [1, true, null], \"ü\": \"a\\\"b\\n\"}",
            Render("{{ {'name': 'f', 'args': [1, true, none], 'ü': 'a\"b\\n'} | tojson }}"));
        Assert.Equal("{\n    \"a\": [\n        1\n    ]\n}", Render("{{ {'a': [1]} | tojson(indent=4) }}"));
        Assert.Equal("5|-", Render("{{ '5' | int }}|{{ '' | default('-', true) }}"));
    }

    [Fact]
    public void String_and_dict_methods()
    {
        Assert.Equal("x|x  |  x|True|False|['a', 'b', 'c']|['a', 'b,c']|one|two", Render(
            "{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith('x') }}|" +
            "{{ ' a  b c '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ {'k': 'one'}.get('k') }}|{{ {'k': 'one'}.get('z', 'two') }}"));
        Assert.Equal("k|v", Render("{{ {'k': 'v'}.keys() | first }}|{{ {'k': 'v'}.values() | first }}"));
    }

    [Fact]
    public void Undefined_renders_empty_but_its_attributes_are_errors()
    {
        Assert.Equal("", Render("{{ nothing }}"));
        Assert.Equal("no", Render("{% if nothing %}yes{% else %}no{% endif %}"));
        var error = Assert.Throws<JinjaException>(() => Render("line one\n{{ nothing.role }}"));
        Assert.Equal(2, error.Line);
        Assert.Contains("'nothing' is undefined", error.Message);
        Assert.Contains("no attribute 'role'", error.Message);
        Assert.Throws<JinjaException>(() => Render("{{ nothing + 1 }}"));
    }

    [Fact]
    public void Raise_exception_carries_the_templates_message()
    {
        var error = Assert.Throws<JinjaException>(() => Render("\n\n{{ raise_exception('Roles must alternate') }}"));
        Assert.True(error.RaisedByTemplate);
        Assert.Equal("Roles must alternate", error.Problem);
        Assert.Equal(3, error.Line);
        Assert.Equal("chat template line 3: Roles must alternate", error.Message);
    }

    [Fact]
    public void Strftime_now_reads_the_given_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero));
        Assert.Equal("01 Dec 2026 09:30",
            JinjaTemplate.Parse("{{ strftime_now('%d %b %Y %H:%M') }}").Render(new Dictionary<string, object?>(), clock));
    }

    [Theory]
    [InlineData("a\n{% macro greet(name) %}hi{% endmacro %}", 2, "the tag '{% macro %}' is not supported")]
    [InlineData("{% include 'x.jinja' %}", 1, "the tag '{% include %}' is not supported")]
    [InlineData("\n\n{{ x | wordwrap }}", 3, "the filter 'wordwrap' is not supported")]
    [InlineData("{{ x is sameish }}", 1, "the test 'sameish' is not supported")]
    [InlineData("{% if true %}\nx", 2, "the template ends before '{% elif %}' or '{% else %}' or '{% endif %}'")]
    [InlineData("{{ 'a' ", 1, "is never closed")]
    [InlineData("{{ 'a' + }}", 1, "expected a value, found '}}'")]
    [InlineData("{% endfor %}", 1, "'{% endfor %}' without the tag it belongs to")]
    [InlineData("{% for x in y recursive %}{% endfor %}", 1, "recursive for loops are not supported")]
    public void Constructs_outside_the_subset_are_errors_naming_the_construct_and_line(string source, int line, string problem)
    {
        var error = Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(source));
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("{{ 'a'.zfill(3) }}", "the method 'zfill' of a str is not supported")]
    [InlineData("{{ 'a' - 1 }}", "unsupported operand types for '-': str and int")]
    [InlineData("{% set x = 1 %}{% set x.y = 2 %}", "only a namespace() has assignable attributes")]
    [InlineData("{{ 'a' % 1 }}", "string formatting with '%' is not supported")]
    public void Operations_outside_the_subset_are_errors_when_rendered(string source, string problem)
    {
        var error = Assert.Throws<JinjaException>(() => Render(source));
        Assert.Contains(problem, error.Message);
    }
}
