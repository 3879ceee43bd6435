using HiPO.Server.Generation;
using HiPO.Server.OpenAI;
using HiPO.Server.Security;
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
        var responses = app.MapGroup("/v1/responses").WithTags("Responses");
        responses.MapGeneration<ResponseCreateRequest, ResponseObject, ResponseStreamEvent>("", "CreateResponse", CreateAsync)
            .WithSummary("Creates a model response (OpenAI's Responses API); streams semantic events over SSE when stream is true.")
            .WithDescription("OpenAI-compatible. The output holds a reasoning item (HiPO's reasoning as reasoning_text content, and as its summary " +
                "when reasoning.summary is set) when the model thought, then a message item with the answer as output_text, or function_call items. " +
                "The response object carries HiPO's think_mode, think_mode_reason and think_mode_source; reasoning.effort, think_mode and " +
                "max_reasoning_tokens control the thinking as in chat completions, and think_mode_policy reports (\"load\") or opts out of (\"none\") " +
                "the server's load-adaptive thinking. store (default true) keeps the response for GET, DELETE and " +
                "previous_response_id (in memory, bounded by Responses:MaxStored and Responses:TtlSeconds).");
        responses.MapGet("/{id}", Get)
            .WithName("GetResponse")
            .WithSummary("Retrieves a stored response (one created with store true, by the same API key, within Responses:TtlSeconds).")
            .Produces<ResponseObject>(contentType: "application/json")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        responses.MapDelete("/{id}", Delete)
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

    private static Task CreateAsync(HttpContext context, GenerationPipeline pipeline, ResponsesRequestMapper mapper, ResponseStore store, WireFormat wire)
    {
        var owner = Caller.Key(context);
        return pipeline.RunAsync(context, OpenAiJsonContext.Default.ResponseCreateRequest, request => mapper.Map(request, owner),
            (plan, reply) => new ResponseReply(plan, reply, wire, store, owner));
    }
}
