using System.Text;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Engine.Gguf;

/// <summary>
/// An Ollama <c>Modelfile</c> for an exported GGUF: <c>FROM</c> the model file (the base, with <c>ADAPTER</c> for the
/// adapter form), the chat format as Ollama's Go <c>TEMPLATE</c> (ChatML, Llama 3 and the plain format written out the
/// way Twinforge renders them), a <c>PARAMETER stop</c> per end-of-turn string, and the context length.
/// </summary>
/// <example><code>File.WriteAllText("out/Modelfile", OllamaModelfile.Create(tokenizer, 256, "./model.gguf"));</code></example>
public static class OllamaModelfile
{
    public const string FileName = "Modelfile";

    /// <param name="tokenizer">Gives the chat format and its stop strings.</param>
    /// <param name="contextLength">The model's positions (PARAMETER num_ctx).</param>
    /// <param name="from">The model GGUF, relative to the Modelfile (e.g. "./model.gguf").</param>
    /// <param name="adapter">The LoRA adapter GGUF over <paramref name="from"/>, or null.</param>
    public static string Create(ITokenizer tokenizer, int contextLength, string from, string? adapter = null)
    {
        var text = new StringBuilder();
        text.Append("# Written by twinforge export --format gguf: `ollama create NAME -f Modelfile` in this directory.\n");
        text.Append($"FROM {from}\n");
        if (adapter is not null) text.Append($"ADAPTER {adapter}\n");
        text.Append($"TEMPLATE \"\"\"{Template(tokenizer.ChatTemplate)}\"\"\"\n");
        foreach (var stop in tokenizer.ChatTemplate.StopStrings) text.Append($"PARAMETER stop {Quote(stop)}\n");
        text.Append($"PARAMETER num_ctx {contextLength}\n");
        return text.ToString();
    }

    /// <summary>The chat format in Ollama's Go template language, rendering what <see cref="IChatTemplate.Render"/> renders.</summary>
    static string Template(IChatTemplate template) => template switch
    {
        ChatMlTemplate => "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n",
        Llama3ChatTemplate =>
            "<|begin_of_text|>{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
        PlainChatTemplate plain =>
            "{{- range .Messages }}{{ if eq .Role \"system\" }}{{ .Content }}\n\n{{ else if eq .Role \"user\" }}User: {{ .Content }}\n" +
            $"{{{{ else }}}}Assistant: {{{{ .Content }}}}{plain.EndOfTurn}\n{{{{ end }}}}{{{{ end }}}}Assistant:",
        _ => throw new BadInputException($"no Ollama template for the '{template.Name}' chat format"),
    };

    /// <summary>A Modelfile parameter value in double quotes, with quotes and backslashes escaped and newlines as \n.</summary>
    static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
