using System.Text.Json;
using HiPO.Inference.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HiPO.Server.Health;

/// <summary>
/// Health endpoints for load balancers and orchestrators, on ASP.NET Core health checks: <c>/health/live</c> (the
/// process answers), <c>/health/ready</c> and llama-server's <c>/health</c> (200 once the model serves; 503 with a
/// reason while it loads, failed, recovers from a decode-loop failure, shuts down, or while the queue is full).
/// </summary>
public static class HealthApi
{
    private const string Ready = "ready";

    public static IHostApplicationBuilder AddHipoHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<EngineHealthCheck>("engine", tags: [Ready]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        return app;
    }

    /// <summary>llama-server's body: <c>{"status":"ok"}</c>, or the state and its reason.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var entry = report.Entries.Values.FirstOrDefault();
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["status"] = report.Status == HealthStatus.Healthy ? "ok" : entry.Data.GetValueOrDefault("state") as string ?? "error",
            ["reason"] = report.Status == HealthStatus.Healthy ? null : entry.Description,
        }));
    }

    /// <summary>Ready when the model serves and the queue has room.</summary>
    private sealed class EngineHealthCheck(HipoEngine engine, InferenceOptions options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(engine.State switch
            {
                EngineState.Ready when engine.Snapshot.QueuedRequests >= options.MaxQueue =>
                    Unhealthy("saturated", $"the queue is full ({options.MaxQueue} waiting)"),
                EngineState.Ready => HealthCheckResult.Healthy(),
                EngineState.Loading => Unhealthy("loading", $"model loading ({engine.LoadProgress:P0})"),
                EngineState.Recovering => Unhealthy("recovering", engine.FailureReason ?? "the decode loop is rebuilding its context"),
                EngineState.Failed => Unhealthy("error", engine.FailureReason ?? "the model failed to load"),
                _ => Unhealthy("draining", "shutting down: finishing running requests, refusing new ones"),
            });

        private static HealthCheckResult Unhealthy(string state, string reason) =>
            HealthCheckResult.Unhealthy(reason, data: new Dictionary<string, object> { ["state"] = state });
    }
}
