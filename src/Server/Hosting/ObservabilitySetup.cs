using HiPO.Server.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Formatting.Compact;

namespace HiPO.Server.Hosting;

/// <summary>Serilog console logging (text or JSON), OpenTelemetry traces and metrics, Prometheus at /metrics and OTLP when configured.</summary>
public static class ObservabilitySetup
{
    public static IHostApplicationBuilder AddHipoObservability(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddOptions<TelemetryOptions>().Bind(builder.Configuration.GetSection(TelemetryOptions.Section));
        builder.Services.AddSingleton(telemetry);
        // preserveStaticLogger: each host (several run side by side in tests) keeps its own pipeline.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration).Enrich.FromLogContext();
            if (telemetry.JsonLogs)
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        });

        builder.Services.AddSingleton<HipoMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("hipo-server"))
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource(HipoTracing.SourceName))
            .WithMetrics(metrics => metrics.AddMeter(HipoMetrics.MeterName)
                // Scrapes read live values; Prometheus's own interval paces them.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (telemetry.OtlpEndpoint is { } endpoint)
            otel.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, endpoint);
        return builder;
    }

    /// <summary>Counts every answered request by endpoint and status, and serves Prometheus metrics at /metrics.</summary>
    public static WebApplication UseHipoObservability(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<HipoMetrics>();
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } && route.StartsWith("/v1", StringComparison.Ordinal))
                metrics.Request(route, context.Response.StatusCode);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
