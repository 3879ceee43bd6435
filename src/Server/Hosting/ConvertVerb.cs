using HiPO.Inference.Hosting;
using HiPO.ModelHub;
using Microsoft.Extensions.Options;

/// <summary><c>hipo-server convert ...</c>: converts a checkpoint ahead of time, with the server's own Hub settings.</summary>
public static partial class HipoServer
{
    public static async Task<int> ConvertAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("HIPO_");
        builder.Services.AddOptions<HubOptions>().Bind(builder.Configuration.GetSection(HubOptions.Section));
        using var host = builder.Build();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        // The quantizer is the first native call: route llama.cpp's log through ours before it.
        NativeBackend.Configure(new ModelOptions(), loggers.CreateLogger("HiPO.Inference.Native"));
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var hub = host.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        return await ConvertCommand.RunAsync(args, hub, loggers, cancel.Token);
    }
}
