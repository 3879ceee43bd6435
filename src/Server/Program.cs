using HiPO.Server.Chat;
using HiPO.Server.Completions;
using HiPO.Server.Health;
using HiPO.Server.Hosting;
using HiPO.Server.Models;
using HiPO.ModelHub;
using HiPO.Server.Security;
using HiPO.Server.Tokens;

if (args is [ConvertCommand.Verb, .. var convertArgs])
    return await HipoServer.ConvertAsync(convertArgs);

var app = HipoServer.Build(args);
if (app is null)
    return 1;
await app.RunAsync();
return Environment.ExitCode;

/// <summary>Builds the HiPO server; tests call this to run the real server on a loopback port.</summary>
public static partial class HipoServer
{
    public static WebApplication? Build(string[] args)
    {
        args = CommandLine.Normalize(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("HIPO_");
        builder.Configuration.AddCommandLine(args, CommandLine.Aliases);
        builder.AddHipoObservability();
        builder.AddHipoEndpoint();
        builder.AddHipoInference();
        builder.AddHipoSecurity();
        builder.Services.AddOpenApi();

        var app = builder.Build();
        if (!app.ModelFileIsUsable())
            return null;
        app.UseHipoErrors();
        app.UseHipoObservability();
        app.UseHipoSecurity();
        app.MapOpenApi();
        app.MapHealthApi();
        app.MapModelsApi();
        app.MapChatCompletionsApi();
        app.MapCompletionsApi();
        app.MapTokenizeApi();
        app.MapHipoFallback();
        return app;
    }
}
