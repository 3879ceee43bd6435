using HiPO.Server.Hosting;
using System.Security.Cryptography;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.ModeParsing;
using HiPO.Server.Chat;
using HiPO.Server.OpenAI;
using HiPO.Server.Security;
using HiPO.Server.Telemetry;

namespace HiPO.Server.Completions;

/// <summary><c>POST /v1/completions</c>: OpenAI's legacy completions, the raw prompt continued with the same sampling as chat.</summary>
public static class CompletionsApi
{
    public static IEndpointRouteBuilder MapCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/completions", CreateAsync)
            .WithTags("Completions")
            .WithName("CreateCompletion")
            .WithMetadata(new JsonRequestBody(typeof(CompletionRequest)))
            .WithSummary("Creates a legacy text completion of a raw prompt; streams it over SSE when stream is true.")
            .WithDescription("OpenAI-compatible legacy completions. The prompt goes to the model as is: no chat template, and control tokens " +
                "in it are parsed, as llama-server does. Everything the model writes is the completion text, with no HiPO parsing and no " +
                "reasoning fields. max_tokens defaults to 16, as in OpenAI's API; logprobs is the legacy integer (0 to 5).")
            .Produces<TextCompletion>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task CreateAsync(HttpContext context, HipoEngine engine, InferenceOptions inference, ChatRequestMapper chat,
        HipoMetrics metrics, TelemetryOptions telemetryOptions, TokenRateLimiter tokenLimiter, ILogger<CompletionTelemetry> logger)
    {
        var aborted = context.RequestAborted;
        GenerationStream stream;
        CompletionPlan plan;
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, OpenAiJsonContext.Default.CompletionRequest, aborted);
            plan = new CompletionRequestMapper(engine, inference, chat).Map(request);
            stream = EngineGate.Submit(engine, plan.Generation, aborted, promptParam: "prompt");
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
            "cmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            engine.ModelId,
            plan,
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
    private sealed record ResponseContext(string Id, long Created, string Model, CompletionPlan Plan, CompletionTelemetry Telemetry, bool Timings, TokenCharge Charge)
    {
        public TextChoiceAccumulator[] Choices { get; } = [.. Enumerable.Range(0, Plan.Generation.Choices).Select(i => new TextChoiceAccumulator(i, Plan.Echo))];
        public List<ChoiceFinished> Finished { get; } = [];

        /// <summary>Accumulates an update; returns the piece of text it added (with its log-probabilities), or the usage once the request completed.</summary>
        public (TextChoice? Piece, GenerationUsage? Usage) Track(GenerationUpdate update)
        {
            Charge.Observe(update);
            switch (update)
            {
                // A raw completion is all answer: the reply parser never runs, so no other kind of text arrives.
                case ReplyUpdate { Event.Kind: ModeEventKind.Answer } reply:
                    var logprobs = Choices[reply.Choice].Add(reply.Event.Text, reply.Logprobs);
                    if (reply.Event.Text.Length > 0)
                        Telemetry.OnText();
                    return (new TextChoice(reply.Choice, reply.Event.Text, Plan.Logprobs ? logprobs : null, null), null);
                case ChoiceFinished finished:
                    Choices[finished.Choice].Finish(finished);
                    Finished.Add(finished);
                    break;
                case GenerationCompleted completed:
                    // No think-mode decision is recorded: a raw completion has none.
                    Telemetry.Completed(Id, Model, "raw", completed.Usage, [], Plan.Generation.Prompt.Text, Choices[0].Text);
                    return (null, completed.Usage);
            }
            return (null, null);
        }

        public Timings? TimingsOf(GenerationUsage usage) => Timings ? ChatStreamProtocol.Timings(usage) : null;

        public TextCompletion Chunk(params TextChoice[] choices) => new(Id, Created, Model, choices);
    }

    private static async Task RespondAsync(HttpContext context, GenerationStream stream, ResponseContext response, CancellationToken aborted)
    {
        GenerationUsage? usage = null;
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
            usage = response.Track(update).Usage ?? usage;
        var error = response.Finished.FirstOrDefault(f => f.Error is not null)?.Error;
        if (error is not null || usage is null)
        {
            await ApiException.Unavailable(error ?? "The request was not completed.", "engine_error", TimeSpan.FromSeconds(1)).ToResult(context).ExecuteAsync(context);
            return;
        }
        var completion = new TextCompletion(response.Id, response.Created, response.Model, [.. response.Choices.Select(c => c.ToChoice(response.Plan.Logprobs))],
            ChatStreamProtocol.Usage(usage), response.TimingsOf(usage));
        await TypedResults.Json(completion, OpenAiJsonContext.Default.TextCompletion).ExecuteAsync(context);
    }

    private static async Task StreamAsync(HttpContext context, GenerationStream stream, ResponseContext response, CancellationToken aborted)
    {
        var http = context.Response;
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
        var sse = new ServerSentEvents(http.Body);
        var plan = response.Plan;
        var chunkType = OpenAiJsonContext.Default.TextCompletion;

        if (plan.Echo is { } echo)
            for (var i = 0; i < plan.Generation.Choices; i++)
                await sse.WriteAsync(response.Chunk(new TextChoice(i, echo, null, null)), chunkType, aborted);

        TextCompletion? last = null;
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
        {
            var (piece, usage) = response.Track(update);
            switch (update)
            {
                case ReplyUpdate when piece is { Text.Length: > 0 }:
                    await sse.WriteAsync(response.Chunk(piece), chunkType, aborted);
                    break;
                case ChoiceFinished { Error: { } error }:
                    await sse.WriteErrorAsync(new ErrorResponse(new ErrorBody(error, "server_error", null, "engine_error")), aborted);
                    break;
                case ChoiceFinished finished:
                    // The last finish waits for the usage, so that it can carry the timings as llama-server's does.
                    if (last is not null)
                        await sse.WriteAsync(last, chunkType, aborted);
                    last = response.Chunk(new TextChoice(finished.Choice, "", null, ChatStreamProtocol.FinishReason(finished.Reason)));
                    break;
                case GenerationCompleted when usage is not null:
                    if (last is not null)
                        await sse.WriteAsync(last with { Timings = response.TimingsOf(usage) }, chunkType, aborted);
                    last = null;
                    if (plan.IncludeUsage)
                        await sse.WriteAsync(response.Chunk() with { Usage = ChatStreamProtocol.Usage(usage) }, chunkType, aborted);
                    break;
            }
        }
        await sse.WriteDoneAsync(aborted);
    }
}
