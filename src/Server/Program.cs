using HiPO.Server.Chat;
using HiPO.Server.Completions;
using HiPO.Server.Generation;
using HiPO.Server.Health;
using HiPO.Server.Hosting;
using HiPO.Server.Models;
using HiPO.Server.Responses;
using HiPO.ModelHub;
using Microsoft.Extensions.Options;
using HiPO.Server.Security;
using HiPO.Server.Tokens;

if (args is [ConvertCommand.Verb, .. var convertArgs])
    return await HipoServer.ConvertAsync(convertArgs);
if (CommandLine.WantsHelp(args))
{
    Console.Out.WriteLine(CommandLine.Usage);
    return 0;
}

try
{
    var app = HipoServer.Build(args);
    if (app is null)
        return 1;
    await app.RunAsync();
    return Environment.ExitCode;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync("Invalid configuration: " + HipoServer.DescribeInvalidConfiguration(e));
    return 2;
}

/// <summary>Builds the HiPO server; tests call this to run the real server on a loopback port.</summary>
public static partial class HipoServer
{
    /// <param name="configure">Extra service registrations, applied last (tests add exporters here).</param>
    public static WebApplication? Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        args = CommandLine.Normalize(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("HIPO_");
        builder.Configuration.AddCommandLine(args, CommandLine.Aliases);
        builder.AddHipoObservability();
        builder.AddHipoEndpoint();
        builder.AddHipoInference();
        builder.AddHipoGeneration();
        builder.AddHipoResponses();
        builder.AddHipoSecurity();
        builder.AddHipoHealth();
        builder.AddHipoOpenApi();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        if (!app.ModelFileIsUsable())
            return null;
        app.UseHipoErrors();
        app.UseHipoObservability();
        app.UseHipoSecurity();
        app.MapHipoOpenApi();
        app.MapHealthApi();
        app.MapModelsApi();
        app.MapChatCompletionsApi();
        app.MapCompletionsApi();
        app.MapResponsesApi();
        app.MapTokenizeApi();
        app.MapHipoFallback();
        return app;
    }

    /// <summary>Names the configuration keys that failed validation, e.g. "Inference:MaxParallel: The field ... must be between 1 and 256."</summary>
    public static string DescribeInvalidConfiguration(OptionsValidationException e)
    {
        var section = e.OptionsType.GetField("Section")?.GetValue(null) as string ?? e.OptionsType.Name;
        return string.Join("; ", e.Failures.Select(f => $"{section}: {f}"));
    }
}
