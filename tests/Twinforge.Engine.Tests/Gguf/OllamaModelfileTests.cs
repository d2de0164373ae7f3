using Twinforge.Engine.Gguf;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Tests.Gguf;

public sealed class OllamaModelfileTests
{
    [Fact]
    public void ChatML_model_gets_its_template_stop_and_context_length()
    {
        var text = OllamaModelfile.Create(new ByteLevelTokenizer(), 256, "./model.gguf");
        var lines = text.Split('\n');

        Assert.Contains("FROM ./model.gguf", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith("ADAPTER"));
        Assert.Contains(
            "TEMPLATE \"\"\"{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n\"\"\"", text);
        Assert.Contains("PARAMETER stop \"<|im_end|>\"", lines);
        Assert.Contains("PARAMETER num_ctx 256", lines);
    }

    [Fact]
    public void Adapter_form_names_the_base_and_the_adapter()
    {
        var text = OllamaModelfile.Create(new ByteLevelTokenizer(), 128, "./base.gguf", "./adapter.gguf");
        var lines = text.Split('\n');
        Assert.Contains("FROM ./base.gguf", lines);
        Assert.Contains("ADAPTER ./adapter.gguf", lines);
        Assert.True(Array.IndexOf(lines, "FROM ./base.gguf") < Array.IndexOf(lines, "ADAPTER ./adapter.gguf"));
    }

    [Fact]
    public void Plain_format_renders_its_prefixes_and_stops_at_eos_and_the_next_user_turn()
    {
        var tokenizer = new ByteLevelTokenizer([ByteLevelTokenizer.EndOfTextToken]); // no ChatML tokens: the plain format
        Assert.Equal(ChatTemplates.Plain, tokenizer.ChatTemplate.Name);
        var text = OllamaModelfile.Create(tokenizer, 64, "./model.gguf");

        Assert.Contains("User: {{ .Content }}\n", text);
        Assert.Contains("Assistant: {{ .Content }}<|endoftext|>\n", text);
        Assert.Contains("{{ end }}Assistant:\"\"\"", text);
        Assert.Contains("PARAMETER stop \"<|endoftext|>\"", text.Split('\n'));
        Assert.Contains("PARAMETER stop \"\\nUser:\"", text.Split('\n')); // the newline escaped inside the quotes
    }
}
