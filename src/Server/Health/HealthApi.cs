using HiPO.Inference.Hosting;

namespace HiPO.Server.Health;

/// <summary>
/// Health endpoints for load balancers and orchestrators: <c>/health/live</c> (the process answers),
/// <c>/health/ready</c> and llama-server's <c>/health</c> (200 once the model serves, 503 with a reason before).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new HealthStatus("ok", null)))
            .WithName("Live").WithSummary("200 while the process is up.");
        app.MapGet("/health/ready", Ready).WithName("Ready").WithSummary("200 once the model serves; 503 with a reason while it loads, failed or shuts down.");
        app.MapGet("/health", Ready).WithName("Health").WithSummary("llama-server compatible readiness.");
        return app;
    }

    private static IResult Ready(HipoEngine engine) => engine.State switch
    {
        EngineState.Ready => TypedResults.Ok(new HealthStatus("ok", null)),
        EngineState.Loading => TypedResults.Json(new HealthStatus("loading", $"model loading ({engine.LoadProgress:P0})"), statusCode: 503),
        EngineState.Failed => TypedResults.Json(new HealthStatus("error", engine.FailureReason), statusCode: 503),
        _ => TypedResults.Json(new HealthStatus("draining", "shutting down: finishing running requests, refusing new ones"), statusCode: 503),
    };

    public sealed record HealthStatus(string Status, string? Reason);
}
