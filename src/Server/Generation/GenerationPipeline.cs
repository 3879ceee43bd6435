using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;
using HiPO.Server.Security;
using HiPO.Server.Telemetry;

namespace HiPO.Server.Generation;

/// <summary>
/// The one request path of every generation endpoint: readiness, body, the endpoint's mapping, submission to the scheduler, the
/// admission wait, then the endpoint's <see cref="GenerationReply"/> streamed or whole; refusals become OpenAI errors, and the
/// caller's tokens are charged however the request ends.
/// </summary>
public sealed class GenerationPipeline(HipoEngine engine, HipoMetrics metrics, TelemetryOptions telemetry, TokenRateLimiter tokenLimiter, ILogger<CompletionTelemetry> logger)
{
    /// <param name="map">Validates the request body into a plan (throws <see cref="ApiException"/> for a bad field).</param>
    /// <param name="reply">Makes the endpoint's reply to an admitted plan.</param>
    public async Task RunAsync<TRequest, TPlan>(HttpContext context, JsonTypeInfo<TRequest> requestType, Func<TRequest, TPlan> map,
        Func<TPlan, ReplyContext, GenerationReply> reply) where TRequest : class where TPlan : IGenerationPlan
    {
        var aborted = context.RequestAborted;
        GenerationStream stream;
        TPlan plan;
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, requestType, aborted);
            plan = map(request);
            stream = Submit(plan, aborted);
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

        var charge = new TokenCharge(tokenLimiter, context);
        var replying = reply(plan, new ReplyContext(engine.ModelId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            new CompletionTelemetry(metrics, logger, telemetry), telemetry.ResponseTimings));
        try
        {
            if (plan.Stream)
                await EventStream.WriteAsync(context.Response, Events(stream, replying, charge, aborted), aborted);
            else
            {
                await foreach (var update in stream.Updates.ReadAllAsync(aborted))
                {
                    charge.Observe(update);
                    replying.Track(update, null);
                }
                await replying.Result(context).ExecuteAsync(context);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; the scheduler drops its sequences at the next step.
        }
        finally
        {
            // A client that left early leaves updates unread; the scheduler still ends its request at the next step and reports
            // what it generated. Reading them to the end charges those tokens (disconnecting cannot dodge the limit) and counts
            // and logs the request however it ended.
            await foreach (var update in stream.Updates.ReadAllAsync(CancellationToken.None))
            {
                charge.Observe(update);
                replying.Track(update, null);
            }
            charge.Settle();
        }
    }

    private GenerationStream Submit(IGenerationPlan plan, CancellationToken aborted)
    {
        try
        {
            return EngineGate.Submit(engine, plan.Generation, aborted);
        }
        catch (ApiException e)
        {
            throw plan.Refused(e);
        }
    }

    private static async IAsyncEnumerable<SseItem<SseData>> Events(GenerationStream stream, GenerationReply reply, TokenCharge charge,
        [EnumeratorCancellation] CancellationToken aborted)
    {
        foreach (var item in reply.Opening())
            yield return item;
        // One list for the whole stream: each update's events are written before the next update is tracked.
        var events = new List<SseItem<SseData>>();
        await foreach (var update in stream.Updates.ReadAllAsync(aborted))
        {
            charge.Observe(update);
            reply.Track(update, events);
            foreach (var item in events)
                yield return item;
            events.Clear();
        }
        foreach (var item in reply.Closing())
            yield return item;
    }
}
