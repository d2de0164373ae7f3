using System.Text.RegularExpressions;
using Twinforge.Engine;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using FlowMappingEnd = YamlDotNet.Core.Tokens.FlowMappingEnd;
using FlowMappingStart = YamlDotNet.Core.Tokens.FlowMappingStart;
using FlowSequenceEnd = YamlDotNet.Core.Tokens.FlowSequenceEnd;
using FlowSequenceStart = YamlDotNet.Core.Tokens.FlowSequenceStart;

namespace Twinforge.Recipes;

/// <summary>
/// Reads a YAML recipe into <see cref="RecipeNode"/>s, keeping each node's line. The nodes are built from the parser's
/// events rather than YamlDotNet's representation model, which refuses a repeated key before the loader could name
/// it among the recipe's other errors. Every syntax error is an <see cref="InputFileException"/> with line and column.
/// </summary>
internal static partial class RecipeYamlParser
{
    public static RecipeNode Parse(string filePath, string text)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return RecipeScalar.Null;
            parser.Consume<DocumentStart>();
            var root = ReadNode(filePath, parser, new Dictionary<string, RecipeNode>());
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
                throw new InputFileException(filePath, "a recipe is a single YAML document", line: second.Start.Line);
            parser.Consume<StreamEnd>();
            return root;
        }
        catch (YamlException e)
        {
            throw SyntaxError(filePath, text, LocationPrefix().Replace(e.Message, ""), Location(e, scanner), e);
        }
        catch (Exception e) when (e is not InputFileException)
        {
            // YamlDotNet's scanner fails with other exceptions on some malformed input: InvalidOperationException for a
            // flow sequence left open before a "key:" line, a bare Exception in aaubry/YamlDotNet#541. Parsing a string
            // has no other way to fail, so it is a syntax error, and where the scanner stopped is the best location.
            throw SyntaxError(filePath, text, "cannot be read from here", scanner.CurrentPosition, e);
        }
    }

    static RecipeNode ReadNode(string filePath, IParser parser, Dictionary<string, RecipeNode> anchors)
    {
        var start = parser.Consume<ParsingEvent>();
        var line = (int)start.Start.Line;
        RecipeNode node;
        switch (start)
        {
            case AnchorAlias alias:
                return anchors.TryGetValue(alias.Value.Value, out var anchored)
                    ? anchored
                    : throw new InputFileException(filePath, $"not valid YAML: the anchor '{alias.Value.Value}' is not defined before this alias",
                        line: line, column: start.Start.Column);
            case Scalar scalar:
                // Quoted and block scalars are text; only plain ones can be numbers, booleans or null.
                node = new RecipeScalar(scalar.Value, IsQuoted: scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any), line);
                break;
            case SequenceStart:
                var items = new List<RecipeNode>();
                while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadNode(filePath, parser, anchors));
                node = new RecipeSequence(items, line);
                break;
            case MappingStart:
                var entries = new List<RecipeMappingEntry>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = ReadNode(filePath, parser, anchors);
                    if (key is not RecipeScalar name)
                        throw new InputFileException(filePath, "a key must be a name, not a list or a mapping", line: key.Line);
                    entries.Add(new RecipeMappingEntry(name.Text, name.Line, ReadNode(filePath, parser, anchors)));
                }
                node = new RecipeMapping(entries, line);
                break;
            default:
                throw new InputFileException(filePath, $"unsupported YAML node {start.GetType().Name}", line: line);
        }
        if (start is NodeEvent { Anchor.IsEmpty: false } anchoring) anchors[anchoring.Anchor.Value] = node;
        return node;
    }

    /// <summary>
    /// Where a syntax error is. YamlDotNet reports a tab in the indentation at the start of the enclosing mapping,
    /// lines before the tab; the scanner has stopped on the tab's own line.
    /// </summary>
    static Mark Location(YamlException e, Scanner scanner) =>
        IsTabError(e.Message) && scanner.CurrentPosition.Line > e.Start.Line ? scanner.CurrentPosition : e.Start;

    static bool IsTabError(string message) => message.Contains(" tab ", StringComparison.OrdinalIgnoreCase);

    static InputFileException SyntaxError(string filePath, string text, string message, Mark at, Exception inner)
    {
        var problem = IsTabError(message) ? "a tab in the indentation: YAML indents with spaces only" : LowerFirst(message.TrimEnd('.'));
        // An unclosed '[' or '{' is found only where the reader gives up, often lines later: name where it opened.
        if (UnclosedFlowCollection(text, at) is var (bracket, opened))
            problem += $"; the '{bracket}' at line {opened.Line}, column {opened.Column} is not closed";
        return new InputFileException(filePath, $"not valid YAML: {problem}", line: at.Line, inner: inner, column: at.Column);
    }

    /// <summary>The innermost '[' or '{' still open where the reader stopped, if any.</summary>
    static (char Bracket, Mark Opened)? UnclosedFlowCollection(string text, Mark stoppedAt)
    {
        var open = new Stack<(char, Mark)>();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            while (scanner.MoveNext() && scanner.Current is { } token && token.Start.Index < stoppedAt.Index)
            {
                switch (token)
                {
                    case FlowSequenceStart: open.Push(('[', token.Start)); break;
                    case FlowMappingStart: open.Push(('{', token.Start)); break;
                    case FlowSequenceEnd or FlowMappingEnd when open.Count > 0: open.Pop(); break;
                }
            }
        }
        catch (Exception)
        {
            // The scanner stops at the same error (see Parse); the brackets seen until then are what is wanted.
        }
        return open.Count > 0 ? open.Peek() : null;
    }

    /// <summary>Older YamlDotNet versions start messages with "(Line: 3, Col: 1, Idx: 20) - (Line: …): "; the location is reported apart.</summary>
    [GeneratedRegex(@"^\(Line: [^)]*\) - \(Line: [^)]*\): ")]
    private static partial Regex LocationPrefix();

    static string LowerFirst(string text) => text.Length > 0 && char.IsUpper(text[0]) && !(text.Length > 1 && char.IsUpper(text[1]))
        ? char.ToLowerInvariant(text[0]) + text[1..]
        : text;
}
