using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.Server.Chat;
using HiPO.Server.Hosting;
using HiPO.Server.OpenAI;
using HiPO.Server.Security;
using HiPO.Server.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPO.Server.Responses;

/// <summary>
/// OpenAI's Responses API (<c>/v1/responses</c>) on the chat completions pipeline: the request becomes a chat plan, the engine
/// streams the same updates, and the chat deltas become a <c>reasoning</c> item, a <c>message</c> item and <c>function_call</c> items.
/// </summary>
public static class ResponsesApi
{
    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/responses", CreateAsync)
            .WithTags("Responses")
            .WithName("CreateResponse")
            .WithSummary("Creates a model response (OpenAI's Responses API); streams semantic events over SSE when stream is true.")
            .WithDescription("OpenAI-compatible. The output holds a reasoning item (HiPO's reasoning as reasoning_text content, and as its summary " +
                "when reasoning.summary is set) when the model thought, then a message item with the answer as output_text, or function_call items. " +
                "The response object carries HiPO's think_mode, think_mode_reason and think_mode_source; reasoning.effort, think_mode and " +
                "max_reasoning_tokens control the thinking as in chat completions. store (default true) keeps the response for GET, DELETE and " +
                "previous_response_id (in memory, bounded by Responses:MaxStored and Responses:TtlSeconds).")
            .WithMetadata(new JsonRequestBody(typeof(ResponseCreateRequest)))
            .Produces<ResponseObject>(contentType: "application/json")
            .Produces<ResponseStreamEvent>(contentType: "text/event-stream")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/v1/responses/{id}", Get)
            .WithTags("Responses")
            .WithName("GetResponse")
            .WithSummary("Retrieves a stored response (one created with store true, by the same API key, within Responses:TtlSeconds).")
            .Produces<ResponseObject>(contentType: "application/json")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        app.MapDelete("/v1/responses/{id}", Delete)
            .WithTags("Responses")
            .WithName("DeleteResponse")
            .WithSummary("Deletes a stored response.")
            .Produces<ResponseDeleted>(contentType: "application/json")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        return app;
    }

    private static IResult Get(HttpContext context, string id, ResponseStore store, WireFormat wire) =>
        store.Find(id, Caller.Key(context)) is { } entry ? TypedResults.Json(entry.Response, wire.Response) : NotFound(context, id);

    private static IResult Delete(HttpContext context, string id, ResponseStore store) =>
        store.Remove(id, Caller.Key(context)) ? TypedResults.Json(new ResponseDeleted(id), OpenAiJsonContext.Default.ResponseDeleted) : NotFound(context, id);

    private static JsonHttpResult<ErrorResponse> NotFound(HttpContext context, string id) =>
        new ApiException(StatusCodes.Status404NotFound, $"Response with id '{id}' not found.", "invalid_request_error", null, null).ToResult(context);

    private static async Task CreateAsync(HttpContext context, HipoEngine engine, ResponsesRequestMapper mapper, ResponseStore store, WireFormat wire,
        HipoMetrics metrics, TelemetryOptions telemetryOptions, TokenRateLimiter tokenLimiter, ILogger<CompletionTelemetry> logger)
    {
        var aborted = context.RequestAborted;
        GenerationStream stream;
        ResponsePlan plan;
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, OpenAiJsonContext.Default.ResponseCreateRequest, aborted);
            plan = mapper.Map(request, Caller.Key(context));
            stream = Submit(engine, plan, aborted);
            await EngineGate.WaitAdmittedAsync(stream, aborted);
        }
        catch (ApiException e)
        {
            await e.ToResult(context).ExecuteAsync(context);
            return;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        var run = new ResponseRun(plan, ResponseIds.New(ResponseIds.ResponsePrefix), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), engine.ModelId,
            new CompletionTelemetry(metrics, logger, telemetryOptions), tokens => tokenLimiter.Charge(context, tokens));
        try
        {
            if (plan.Chat.Stream)
                await StreamAsync(context, stream, run, wire, aborted);
            else
                await RespondAsync(context, stream, run, wire, aborted);
            if (plan.Store && run.Result is { } result)
                store.Add(result, [.. plan.Conversation, run.Reply()], Caller.Key(context));
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the scheduler drops its sequence at the next step.
        }
    }

    /// <summary>Submits the plan; a context-length refusal names the Responses field (<c>input</c>, <c>max_output_tokens</c>).</summary>
    private static GenerationStream Submit(HipoEngine engine, ResponsePlan plan, CancellationToken aborted)
    {
        try
        {
            return EngineGate.Submit(engine, plan.Chat.Generation, aborted);
        }
        catch (ApiException e)
        {
            throw ResponsesRequestMapper.Renamed(e);
        }
    }

    private static async Task RespondAsync(HttpContext context, GenerationStream stream, ResponseRun run, WireFormat wire, CancellationToken aborted)
    {
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
            run.Track(update);
        var result = run.Complete();
        if (result.Error is { } error)
        {
            await ApiException.Unavailable(error.Message, "engine_error", TimeSpan.FromSeconds(1)).ToResult(context).ExecuteAsync(context);
            return;
        }
        await TypedResults.Json(result, wire.Response).ExecuteAsync(context);
    }

    private static async Task StreamAsync(HttpContext context, GenerationStream stream, ResponseRun run, WireFormat wire, CancellationToken aborted)
    {
        var http = context.Response;
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
        var sse = new ServerSentEvents(http.Body);

        async Task WriteAsync(IEnumerable<ResponseStreamEvent> events)
        {
            foreach (var e in events)
                await sse.WriteAsync(e.Type, e, wire.ResponseEvent, aborted);
        }

        var started = run.Snapshot("in_progress");
        await WriteAsync([run.Stamp("response.created", started), run.Stamp("response.in_progress", started)]);
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
            await WriteAsync(run.Track(update));
        var result = run.Complete();
        await WriteAsync(run.Closing);
        await WriteAsync([run.Stamp(result.Status switch
        {
            "completed" => "response.completed",
            "incomplete" => "response.incomplete",
            _ => "response.failed",
        }, result)]);
    }
}
