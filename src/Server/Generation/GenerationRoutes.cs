using HiPO.Server.Hosting;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>The route contract every generation endpoint shares: a JSON body it reads itself, a whole or streamed reply, OpenAI errors.</summary>
public static class GenerationRoutes
{
    /// <typeparam name="TResponse">The whole response (<c>application/json</c>).</typeparam>
    /// <typeparam name="TEvent">One server-sent event of the streamed response (<c>text/event-stream</c>).</typeparam>
    public static RouteHandlerBuilder MapGeneration<TRequest, TResponse, TEvent>(this IEndpointRouteBuilder app, string pattern, string name, Delegate handler)
    {
        var route = app.MapPost(pattern, handler)
            .WithName(name)
            .WithMetadata(new JsonRequestBody(typeof(TRequest)));
        // One type for both forms needs one entry with both content types: a second entry for the same type replaces the first.
        if (typeof(TEvent) == typeof(TResponse))
            route.Produces<TResponse>(StatusCodes.Status200OK, "application/json", "text/event-stream");
        else
            route.Produces<TResponse>(contentType: "application/json").Produces<TEvent>(contentType: "text/event-stream");
        return route
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
    }
}
