using System.CommandLine;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge chat --model DIR [--adapter DIR]</c>: an interactive conversation in the model's chat format.
/// Each line read is a user turn; the reply is printed and kept in the conversation. <c>/reset</c> starts over,
/// <c>/exit</c> (or end of input) quits.
/// </summary>
public static class ChatCommand
{
    public static Command Create(TextReader input)
    {
        var model = new ModelArguments();
        var system = new Option<string>("--system") { Description = "A system message that opens the conversation [default: none]" };
        var decoding = new GenerationOptionsBinder();
        var command = new Command("chat", "Talk with a model (or a twin: a base with --adapter) in its chat format; /reset starts over, /exit quits.") { system };
        model.AddTo(command);
        decoding.AddTo(command);
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            using var loaded = model.Load(result);
            var options = decoding.Bind(result, loaded.DefaultGenerationOptions, model.ResolveDirectory(result));
            var opening = result.GetValue(system) is string text ? new[] { new ChatMessage(ChatRole.System, text) } : [];
            var conversation = new List<ChatMessage>(opening);
            output.WriteLine("Type a message; /reset starts over, /exit quits.");
            while (true)
            {
                output.Write("you> ");
                output.Flush();
                var line = input.ReadLine();
                if (line is null || line.Trim() == "/exit") break;
                if (line.Trim() == "/reset")
                {
                    conversation = new List<ChatMessage>(opening);
                    continue;
                }
                if (line.Trim().Length == 0) continue;
                conversation.Add(new ChatMessage(ChatRole.User, line));
                var reply = loaded.Chat(conversation, options);
                conversation.Add(new ChatMessage(ChatRole.Assistant, reply.Text));
                output.WriteLine($"twin> {reply.Text.Trim()}");
            }
            output.WriteLine();
            return ExitCodes.Success;
        });
        return command;
    }
}
