using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

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
            case EngineState.Failed:
                throw ApiException.Unavailable($"The model failed to load: {engine.FailureReason}", "model_failed", TimeSpan.FromSeconds(60));
            default:
                throw ApiException.Unavailable("The server is shutting down.", "shutting_down", TimeSpan.FromSeconds(5));
        }
    }

    public static GenerationStream Submit(HipoEngine engine, GenerationRequest request, CancellationToken cancellation)
    {
        try
        {
            return engine.Scheduler.Submit(request, cancellation);
        }
        catch (ContextLengthExceededException e)
        {
            throw ApiException.Invalid(e.Message, e.Param, "context_length_exceeded");
        }
        catch (ServerBusyException e)
        {
            throw ApiException.Unavailable(e.Message, e.Code, e.RetryAfter);
        }
    }

    public static async Task WaitAdmittedAsync(GenerationStream stream, CancellationToken cancellation)
    {
        try
        {
            await stream.Admitted.WaitAsync(cancellation);
        }
        catch (ServerBusyException e)
        {
            throw ApiException.Unavailable(e.Message, e.Code, e.RetryAfter);
        }
    }
}
