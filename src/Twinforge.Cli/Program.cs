using System.CommandLine;
using Twinforge.Cli;
using Twinforge.Cli.Commands;

var root = new RootCommand("Twinforge: fine-tune foundation models into digital twins of one creator.")
{
    GenerateCommand.Create(),
    InspectCommand.Create(),
    DemoCommand.Create(),
};
return CommandRunner.Invoke(root, args);
