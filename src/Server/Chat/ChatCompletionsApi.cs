using System.Security.Cryptography;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary><c>POST /v1/chat/completions</c>: HiPO replies with the answer, the reasoning and the think mode in separate fields.</summary>
public static class ChatCompletionsApi
{
    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateAsync)
            .WithName("CreateChatCompletion")
            .WithSummary("Creates a chat completion; streams it over SSE when stream is true.")
            .WithDescription("OpenAI-compatible. The answer is in content, the reasoning in reasoning_content, and the model's think-mode decision in think_mode (with think_mode_reason and think_mode_source). think_mode, reasoning_effort, chat_template_kwargs.enable_thinking and think force a mode; max_reasoning_tokens caps the reasoning.")
            .Produces<ChatCompletion>(contentType: "application/json")
            .Produces<ChatCompletionChunk>(contentType: "text/event-stream")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task CreateAsync(HttpContext context, HipoEngine engine, ChatRequestMapper mapper, WireFormat wire)
    {
        var aborted = context.RequestAborted;
        GenerationStream stream;
        ChatPlan plan;
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, OpenAiJsonContext.Default.ChatCompletionRequest, aborted);
            plan = mapper.Map(request);
            stream = EngineGate.Submit(engine, plan.Generation, aborted);
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

        var id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        try
        {
            if (plan.Stream)
                await StreamAsync(context, stream, plan, wire, id, created, engine.ModelId, aborted);
            else
                await RespondAsync(context, stream, plan, wire, id, created, engine.ModelId, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the scheduler drops its sequences at the next step.
        }
    }

    private static async Task RespondAsync(HttpContext context, GenerationStream stream, ChatPlan plan, WireFormat wire, string id, long created, string model, CancellationToken aborted)
    {
        var choices = Enumerable.Range(0, plan.Generation.Choices).Select(i => new ChoiceAccumulator(i)).ToArray();
        GenerationUsage? usage = null;
        string? error = null;
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
        {
            switch (update)
            {
                case ReplyUpdate reply: choices[reply.Choice].Add(reply); break;
                case ChoiceFinished finished:
                    choices[finished.Choice].Finish(finished);
                    error ??= finished.Error;
                    break;
                case GenerationCompleted completed: usage = completed.Usage; break;
            }
        }
        if (error is not null || usage is null)
        {
            await ApiException.Unavailable(error ?? "The request was not completed.", "engine_error", TimeSpan.FromSeconds(1)).ToResult(context).ExecuteAsync(context);
            return;
        }
        var completion = new ChatCompletion(id, created, model, [.. choices.Select(c => c.ToChoice(plan))],
            ChatStreamProtocol.Usage(usage), ChatStreamProtocol.Timings(usage));
        await TypedResults.Json(completion, wire.Completion).ExecuteAsync(context);
    }

    private static async Task StreamAsync(HttpContext context, GenerationStream stream, ChatPlan plan, WireFormat wire, string id, long created, string model, CancellationToken aborted)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var sse = new ServerSentEvents(response.Body);

        for (var i = 0; i < plan.Generation.Choices; i++)
            await sse.WriteAsync(Chunk(i, new ChatDelta { Role = "assistant" }, null), wire.Chunk, aborted);

        ChatCompletionChunk? last = null;
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
        {
            switch (update)
            {
                case ReplyUpdate reply when ChatStreamProtocol.Delta(reply.Event, plan) is { } delta:
                    var logprobs = plan.Logprobs && reply.Logprobs is { } l ? new ChoiceLogprobs([.. l.Select(ChatStreamProtocol.Logprob)]) : null;
                    await sse.WriteAsync(new ChatCompletionChunk(id, created, model, [new ChunkChoice(reply.Choice, delta, null, logprobs)]), wire.Chunk, aborted);
                    break;
                case ChoiceFinished { Error: { } error }:
                    await sse.WriteErrorAsync(new ErrorResponse(new ErrorBody(error, "server_error", null, "engine_error")), aborted);
                    break;
                case ChoiceFinished finished:
                    // The last finish waits for the usage, so that it can carry the timings as llama-server's does.
                    if (last is not null)
                        await sse.WriteAsync(last, wire.Chunk, aborted);
                    var end = new ChatDelta { ReasoningTruncated = finished.Summary.ReasoningTruncated ? true : null };
                    last = Chunk(finished.Choice, end, ChatStreamProtocol.FinishReason(finished.Reason));
                    break;
                case GenerationCompleted completed:
                    if (last is not null)
                        await sse.WriteAsync(last with { Timings = ChatStreamProtocol.Timings(completed.Usage) }, wire.Chunk, aborted);
                    last = null;
                    if (plan.IncludeUsage)
                        await sse.WriteAsync(new ChatCompletionChunk(id, created, model, [], ChatStreamProtocol.Usage(completed.Usage)), wire.Chunk, aborted);
                    break;
            }
        }
        await sse.WriteDoneAsync(aborted);

        ChatCompletionChunk Chunk(int choice, ChatDelta delta, string? finishReason) =>
            new(id, created, model, [new ChunkChoice(choice, delta, finishReason)]);
    }
}
