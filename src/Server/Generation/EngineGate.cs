using HiPO.Inference.Hosting;
using HiPO.Inference.Sampling;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>Turns the engine's refusals (loading, full queue, context too small) into OpenAI errors with the right status.</summary>
public static class EngineGate
{
    public static void EnsureReady(HipoEngine engine)
    {
        switch (engine.State)
        {
            case EngineState.Ready:
                return;
            case EngineState.Loading:
                throw ApiException.Unavailable($"The model is loading ({engine.LoadProgress:P0}). Retry shortly.", "model_loading", TimeSpan.FromSeconds(5));
            case EngineState.Recovering:
                throw ApiException.Unavailable($"The inference engine is recovering from a failure: {engine.FailureReason}. Retry shortly.", "engine_recovering", TimeSpan.FromSeconds(2));
            case EngineState.Failed:
                throw ApiException.Unavailable($"The model cannot be served: {engine.FailureReason}", "model_failed", TimeSpan.FromSeconds(60));
            default:
                throw ApiException.Unavailable("The server is shutting down.", "shutting_down", TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Submits a request; errors name chat's fields, which <see cref="IGenerationPlan.Refused"/> renames for other endpoints.</summary>
    public static GenerationStream Submit(HipoEngine engine, GenerationRequest request, CancellationToken cancellation)
    {
        try
        {
            return engine.Scheduler.Submit(request, cancellation);
        }
        catch (ContextLengthExceededException e)
        {
            var param = e.Part switch
            {
                RequestPart.Prompt => "messages",
                RequestPart.MaxTokens => "max_tokens",
                _ => "n",
            };
            throw ApiException.Invalid(e.Message, param, "context_length_exceeded");
        }
        catch (TooManyChoicesException e)
        {
            throw ApiException.Invalid(e.Message, "n", "invalid_value");
        }
        catch (GrammarRejectedException e)
        {
            throw ApiException.Invalid(e.Message, null, "unsupported_schema");
        }
        catch (ServerBusyException e)
        {
            throw Busy(e);
        }
    }

    private static ApiException Busy(ServerBusyException e) => ApiException.Unavailable(e.Message, Code(e.Reason), e.RetryAfter);

    /// <summary>The wire code of an engine refusal.</summary>
    public static string Code(BusyReason reason) => reason switch
    {
        BusyReason.QueueFull => "queue_full",
        BusyReason.QueueTimeout => "queue_timeout",
        BusyReason.ShuttingDown => "shutting_down",
        _ => "engine_error",
    };

    public static async Task WaitAdmittedAsync(GenerationStream stream, CancellationToken cancellation)
    {
        try
        {
            await stream.Admitted.WaitAsync(cancellation);
        }
        catch (ServerBusyException e)
        {
            throw Busy(e);
        }
    }
}
