using System.Text.RegularExpressions;
using Twinforge.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Twinforge.Cli.Recipes;

/// <summary>Reads a YAML recipe into <see cref="RecipeNode"/>s, keeping each node's line.</summary>
internal static partial class RecipeYamlParser
{
    public static RecipeNode Parse(string filePath, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InputFileException(filePath, $"not valid YAML: {LocationPrefix().Replace(e.Message, "")}", line: e.Start.Line, inner: e);
        }
        if (stream.Documents.Count == 0) return RecipeScalar.Null;
        if (stream.Documents.Count > 1)
            throw new InputFileException(filePath, "a recipe is a single YAML document", line: LineOf(stream.Documents[1].RootNode));
        return Convert(filePath, stream.Documents[0].RootNode);
    }

    static RecipeNode Convert(string filePath, YamlNode node) => node switch
    {
        // Quoted and block scalars are text; only plain ones can be numbers, booleans or null.
        YamlScalarNode scalar => new RecipeScalar(scalar.Value ?? "", IsQuoted: scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any), LineOf(node)),
        YamlSequenceNode sequence => new RecipeSequence(sequence.Children.Select(item => Convert(filePath, item)).ToList(), LineOf(node)),
        YamlMappingNode mapping => new RecipeMapping(mapping.Children.Select(entry => entry.Key is YamlScalarNode key
                ? new RecipeMappingEntry(key.Value ?? "", LineOf(key), Convert(filePath, entry.Value))
                : throw new InputFileException(filePath, "a key must be a name, not a list or a mapping", line: LineOf(entry.Key))).ToList(),
            LineOf(node)),
        _ => throw new InputFileException(filePath, $"unsupported YAML node {node.NodeType}", line: LineOf(node)),
    };

    static int LineOf(YamlNode node) => (int)node.Start.Line;

    /// <summary>YamlDotNet starts its messages with "(Line: 3, Col: 1, Idx: 20) - (Line: …): "; the line is reported apart.</summary>
    [GeneratedRegex(@"^\(Line: [^)]*\) - \(Line: [^)]*\): ")]
    private static partial Regex LocationPrefix();
}
