using System.Security.Cryptography;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.Server.Hosting;
using HiPO.Server.OpenAI;
using HiPO.Server.Security;
using HiPO.Server.Telemetry;

namespace HiPO.Server.Chat;

/// <summary><c>POST /v1/chat/completions</c>: HiPO replies with the answer, the reasoning and the think mode in separate fields.</summary>
public static class ChatCompletionsApi
{
    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateAsync)
            .WithTags("Chat")
            .WithName("CreateChatCompletion")
            .WithSummary("Creates a chat completion; streams it over SSE when stream is true.")
            .WithDescription("OpenAI-compatible. The answer is in content, the reasoning in reasoning_content, and the model's think-mode decision in think_mode (with think_mode_reason and think_mode_source). think_mode, reasoning_effort, chat_template_kwargs.enable_thinking and think force a mode; max_reasoning_tokens caps the reasoning.")
            .WithMetadata(new JsonRequestBody(typeof(ChatCompletionRequest)))
            .Produces<ChatCompletion>(contentType: "application/json")
            .Produces<ChatCompletionChunk>(contentType: "text/event-stream")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task CreateAsync(HttpContext context, HipoEngine engine, ChatRequestMapper mapper, WireFormat wire,
        HipoMetrics metrics, TelemetryOptions telemetryOptions, TokenRateLimiter tokenLimiter, ILogger<CompletionTelemetry> logger)
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

        var charge = new TokenCharge(tokenLimiter, context, stream);
        var response = new ResponseContext(
            "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            engine.ModelId,
            plan,
            wire,
            new CompletionTelemetry(metrics, logger, telemetryOptions),
            telemetryOptions.ResponseTimings,
            charge);
        try
        {
            if (plan.Stream)
                await StreamAsync(context, stream, response, aborted);
            else
                await RespondAsync(context, stream, response, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the scheduler drops its sequences at the next step.
        }
        finally
        {
            // Every token generated is charged, also when the client left mid-stream.
            await charge.SettleAsync();
        }
    }

    /// <summary>What every chunk or response of one request shares.</summary>
    private sealed record ResponseContext(string Id, long Created, string Model, ChatPlan Plan, WireFormat Wire, CompletionTelemetry Telemetry, bool Timings, TokenCharge Charge)
    {
        public ChoiceAccumulator[] Choices { get; } = [.. Enumerable.Range(0, Plan.Generation.Choices).Select(i => new ChoiceAccumulator(i, Plan))];
        public List<ChoiceFinished> Finished { get; } = [];
        public GenerationUsage? Usage { get; private set; }

        /// <summary>Accumulates an update; returns the deltas it adds to its choice's stream.</summary>
        public IReadOnlyList<ChatDelta> Track(GenerationUpdate update)
        {
            Charge.Observe(update);
            switch (update)
            {
                case ReplyUpdate reply:
                    if (reply.Event.Text.Length > 0)
                        Telemetry.OnText();
                    return Choices[reply.Choice].Add(reply);
                case ChoiceFinished finished:
                    Finished.Add(finished);
                    return Choices[finished.Choice].Finish(finished);
                case GenerationCompleted completed:
                    Usage = completed.Usage;
                    Telemetry.Completed(Id, Model, Plan.ThinkModeSource, completed.Usage, [.. Finished.OrderBy(f => f.Choice)],
                        Plan.Generation.Prompt.Text, Choices[0].Content, Plan.AdaptiveAction);
                    break;
            }
            return [];
        }

        public Timings? TimingsOf(GenerationUsage usage) => Timings ? ChatStreamProtocol.Timings(usage) : null;

        public ChatCompletionChunk Chunk(IReadOnlyList<ChunkChoice> choices) => new(Id, Created, Model, choices);
    }

    private static async Task RespondAsync(HttpContext context, GenerationStream stream, ResponseContext response, CancellationToken aborted)
    {
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
            response.Track(update);
        var usage = response.Usage;
        var error = response.Finished.FirstOrDefault(f => f.Error is not null)?.Error;
        if (error is not null || usage is null)
        {
            await ApiException.Unavailable(error ?? "The request was not completed.", "engine_error", TimeSpan.FromSeconds(1)).ToResult(context).ExecuteAsync(context);
            return;
        }
        var completion = new ChatCompletion(response.Id, response.Created, response.Model, [.. response.Choices.Select(c => c.ToChoice())],
            ChatStreamProtocol.Usage(usage), response.TimingsOf(usage));
        await TypedResults.Json(completion, response.Wire.Completion).ExecuteAsync(context);
    }

    private static async Task StreamAsync(HttpContext context, GenerationStream stream, ResponseContext response, CancellationToken aborted)
    {
        var http = context.Response;
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
        var sse = new ServerSentEvents(http.Body);
        var plan = response.Plan;
        var chunkType = response.Wire.Chunk;

        for (var i = 0; i < plan.Generation.Choices; i++)
            await sse.WriteAsync(Chunk(i, new ChatDelta { Role = "assistant" }, null), chunkType, aborted);

        ChatCompletionChunk? last = null;
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
        {
            var deltas = response.Track(update);
            switch (update)
            {
                case ReplyUpdate reply:
                    var logprobs = plan.Logprobs && reply.Logprobs is { } l ? new ChoiceLogprobs([.. l.Select(ChatStreamProtocol.Logprob)]) : null;
                    foreach (var delta in deltas)
                    {
                        await sse.WriteAsync(response.Chunk([new ChunkChoice(reply.Choice, delta, null, logprobs)]), chunkType, aborted);
                        logprobs = null;
                    }
                    break;
                case ChoiceFinished finished:
                    foreach (var delta in deltas)
                        await sse.WriteAsync(Chunk(finished.Choice, delta, null), chunkType, aborted);
                    if (finished.Error is { } error)
                        await sse.WriteErrorAsync(new ErrorResponse(new ErrorBody(error, "server_error", null, "engine_error")), aborted);
                    // The last finish waits for the usage, so that it can carry the timings as llama-server's does.
                    if (last is not null)
                        await sse.WriteAsync(last, chunkType, aborted);
                    var end = new ChatDelta { ReasoningTruncated = finished.Summary.ReasoningTruncated ? true : null };
                    last = Chunk(finished.Choice, end, response.Choices[finished.Choice].FinishReason);
                    break;
                case GenerationCompleted when response.Usage is { } usage:
                    if (last is not null)
                        await sse.WriteAsync(last with { Timings = response.TimingsOf(usage) }, chunkType, aborted);
                    last = null;
                    if (plan.IncludeUsage)
                        await sse.WriteAsync(response.Chunk([]) with { Usage = ChatStreamProtocol.Usage(usage) }, chunkType, aborted);
                    break;
            }
        }
        await sse.WriteDoneAsync(aborted);

        ChatCompletionChunk Chunk(int choice, ChatDelta delta, string? finishReason) => response.Chunk([new ChunkChoice(choice, delta, finishReason)]);
    }
}
