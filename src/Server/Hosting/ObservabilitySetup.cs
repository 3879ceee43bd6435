using OpenTelemetry.Trace;
using Serilog;

namespace HiPO.Server.Hosting;

/// <summary>Serilog console logging and OpenTelemetry tracing.</summary>
public static class ObservabilitySetup
{
    public static IHostApplicationBuilder AddHipoObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation());
        return builder;
    }
}
