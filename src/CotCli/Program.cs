using CotCli.Commands;

return await CotCommandLine.RunAsync(args);
